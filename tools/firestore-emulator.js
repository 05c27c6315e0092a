// Local Firestore emulator (@firestore-emulator/server): a gRPC server the real
// google-cloud-firestore client talks to. See docs/local-stack.md for its gaps.
const { setAutoFreeze } = require("immer");
const {
  FirestoreServer,
  FirestoreState,
  FirestoreStateCollection,
  FirestoreStateDocument,
} = require("@firestore-emulator/server");
const {
  StructuredQueryCompositeFilterOperator,
  StructuredQueryDirection,
  StructuredQueryFieldFilterOperator,
} = require("@firestore-emulator/proto/dist/google/firestore/v1/query");

// The emulator keeps its state in immer drafts; immer deep-freezes every new state by
// default, which makes each write cost time proportional to all data held. Nothing here
// mutates state outside immer, so freezing buys nothing (measured in docs/local-stack.md).
setAutoFreeze(false);

// Looking a document up (even an absent one) inserts it into its collection through
// immer, which copies the collection's whole map: n documents cost O(n^2), so 100,000
// entries were out of reach. Nothing holds an old map (no snapshots, no freezing), so the
// insert can be in place: same behaviour, O(1) (measured in docs/benchmarks.md).
FirestoreStateCollection.prototype.getDocument = function getDocument(name) {
  let document = this.documents[name];
  if (!document) {
    document = new FirestoreStateDocument(this.emitter, this.database, this, name, {}, {});
    this.documents[name] = document;
    POSITION.set(document, position(name));
  }
  return document;
};

// A query looked at every document of its collection, and each filter converted its value
// again for every document: a draw among 10,000 entries cost milliseconds even when it matched
// ten. Equality (and array-contains) filters on a field are answered from an index instead,
// built per collection and field the first time a query asks, and kept up to date on every
// write. The index only narrows the documents the package's own query then filters, sorts
// and limits as before, in the collection's order: same answers (docs/local-stack.md).
const INDEX = new WeakMap(); // collection -> Map(field -> Map(key -> Set(document)))
const KEYS = new WeakMap(); // document -> Map(field -> keys it is indexed under)
const POSITION = new WeakMap(); // document -> its place in the collection's order
let inserted = 0;

// A collection lists its documents in its map's key order: integer-like ids first, ascending,
// then the others in the order they were first looked up (they are never removed).
function position(name) {
  if (/^(0|[1-9][0-9]*)$/.test(name) && Number(name) < 4294967295) {
    return Number(name) - 4294967296;
  }
  inserted += 1;
  return inserted;
}

// The key of a stored value whose equality is plain identity of type and value; null for
// the others (maps, timestamps, references...), which are never narrowed by the index.
function storedKey(field) {
  switch (field.type) {
    case "string_value":
    case "boolean_value":
    case "integer_value":
    case "double_value":
      return `${field.type}:${String(field.value)}`;
    case "null_value":
      return "null_value";
    default:
      return null;
  }
}

// The same key for a filter's value (a v1 Value message), or null.
function filterKey(value) {
  if (!value) return null;
  if (value.has_string_value) return `string_value:${value.string_value}`;
  if (value.has_boolean_value) return `boolean_value:${String(value.boolean_value)}`;
  if (value.has_integer_value) return `integer_value:${String(value.integer_value)}`;
  if (value.has_double_value) return `double_value:${String(value.double_value)}`;
  if (value.has_null_value) return "null_value";
  return null;
}

function keysOf(document, field) {
  if (!document.metadata.hasExist) return [];
  const value = document.getField(field);
  if (!value) return [];
  if (value.type === "array_value") {
    const keys = value.value.map(storedKey).filter((key) => key !== null);
    return keys.map((key) => `[]${key}`);
  }
  const key = storedKey(value);
  return key === null ? [] : [key];
}

function place(byKey, keys, document) {
  for (const key of keys) {
    let documents = byKey.get(key);
    if (!documents) {
      documents = new Set();
      byKey.set(key, documents);
    }
    documents.add(document);
  }
}

function reindex(document) {
  const fields = INDEX.get(document.parent);
  if (!fields) return;
  let recorded = KEYS.get(document);
  if (!recorded) {
    recorded = new Map();
    KEYS.set(document, recorded);
  }
  for (const [field, byKey] of fields) {
    const before = recorded.get(field) || [];
    const after = keysOf(document, field);
    if (before.length === after.length && before.every((key, i) => key === after[i])) continue;
    for (const key of before) byKey.get(key)?.delete(document);
    place(byKey, after, document);
    recorded.set(field, after);
  }
}

function indexOf(collection, field) {
  let fields = INDEX.get(collection);
  if (!fields) {
    fields = new Map();
    INDEX.set(collection, fields);
  }
  let byKey = fields.get(field);
  if (!byKey) {
    byKey = new Map();
    fields.set(field, byKey);
    for (const document of collection.getAllDocuments()) {
      const keys = keysOf(document, field);
      let recorded = KEYS.get(document);
      if (!recorded) {
        recorded = new Map();
        KEYS.set(document, recorded);
      }
      recorded.set(field, keys);
      place(byKey, keys, document);
    }
  }
  return byKey;
}

for (const method of ["create", "update", "set", "delete"]) {
  const original = FirestoreStateDocument.prototype[method];
  FirestoreStateDocument.prototype[method] = function write(...args) {
    try {
      return original.apply(this, args);
    } finally {
      reindex(this);
    }
  };
}

// The fewest documents that can match a query's filters (undefined: no narrowing).
const { EQUAL, ARRAY_CONTAINS, ARRAY_CONTAINS_ANY, IN } = StructuredQueryFieldFilterOperator;
const { AND } = StructuredQueryCompositeFilterOperator;
function candidates(collection, structured) {
  if (!structured.has_where) return undefined;
  const where = structured.where;
  let filters;
  if (where.has_field_filter) {
    filters = [where.field_filter];
  } else if (where.has_composite_filter && where.composite_filter.op === AND) {
    if (!where.composite_filter.filters.every((f) => f.has_field_filter)) return undefined;
    filters = where.composite_filter.filters.map((f) => f.field_filter);
  } else {
    return undefined;
  }
  let best;
  for (const filter of filters) {
    const field = filter.field.field_path;
    if (!field || field.includes(".")) continue;
    if (filter.op === ARRAY_CONTAINS_ANY || filter.op === IN) {
      // The union of each value's documents (the draw's prefetch, the probe of groups).
      const values = filter.value && filter.value.has_array_value ? filter.value.array_value.values : null;
      if (!values) continue;
      const keys = values.map(filterKey);
      if (keys.some((key) => key === null)) continue;
      const byKey = indexOf(collection, field);
      const union = new Set();
      for (const key of keys) {
        const found = byKey.get(filter.op === IN ? key : `[]${key}`);
        if (found) for (const document of found) union.add(document);
      }
      if (best === undefined || union.size < best.size) best = union;
      continue;
    }
    if (filter.op !== EQUAL && filter.op !== ARRAY_CONTAINS) continue;
    const key = filterKey(filter.value);
    if (key === null) continue;
    const found = indexOf(collection, field).get(filter.op === EQUAL ? key : `[]${key}`);
    const size = found ? found.size : 0;
    if (best === undefined || size < best.size) best = found || new Set();
  }
  if (best === undefined) return undefined;
  return Array.from(best).sort((a, b) => POSITION.get(a) - POSITION.get(b));
}

// Every answer built a document's message from its fields, turned it back into a plain
// object, and the response then built the message again. A document's fields and metadata
// are replaced (never changed in place) on every write, so the plain object is kept until
// either is replaced.
const ANSWERS = new WeakMap(); // document -> { fields, metadata, value }
const toV1DocumentObject = FirestoreStateDocument.prototype.toV1DocumentObject;
FirestoreStateDocument.prototype.toV1DocumentObject = function cachedObject() {
  const kept = ANSWERS.get(this);
  if (kept && kept.fields === this.fields && kept.metadata === this.metadata) return kept.value;
  const value = toV1DocumentObject.call(this);
  ANSWERS.set(this, { fields: this.fields, metadata: this.metadata, value });
  return value;
};

// A query sorted every document of its collection before filtering: with 100,000 entries
// each draw took seconds. Filter first (the sort is stable, so the order is the same), then
// sort what is left and apply the limit.
const { ASCENDING } = StructuredQueryDirection;
const query = FirestoreState.prototype.v1Query;

// The package's query over `documents` only (all of the collection when undefined).
function queryOver(state, parent, structured, documents) {
  if (documents === undefined) return query.call(state, parent, structured);
  const { collection_id } = structured.from[0] ?? {};
  const collection = state.getCollection(`${parent}/${collection_id}`);
  collection.getAllDocuments = () => documents;
  try {
    return query.call(state, parent, structured);
  } finally {
    delete collection.getAllDocuments;
  }
}

FirestoreState.prototype.v1Query = function v1Query(parent, structured) {
  let documents;
  if (structured.from.length === 1 && structured.from[0]?.collection_id) {
    const { collection_id } = structured.from[0];
    documents = candidates(this.getCollection(`${parent}/${collection_id}`), structured);
  }
  if (!structured.order_by || structured.order_by.length === 0) {
    return queryOver(this, parent, structured, documents);
  }
  const unsorted = Object.create(structured, {
    order_by: { value: [] },
    has_limit: { value: false },
  });
  const docs = queryOver(this, parent, unsorted, documents).sort((a, b) => {
    for (const { field, direction } of structured.order_by) {
      const x = a.getField(field.field_path);
      const y = b.getField(field.field_path);
      if (!x || !y) {
        if (x && !y) return -1;
        if (!x && y) return 1;
        continue;
      }
      if (x.eq(y)) continue;
      const sign = direction === ASCENDING ? 1 : -1;
      if (x.lt(y)) return -sign;
      if (y.lt(x)) return sign;
    }
    return 0;
  });
  return structured.has_limit ? docs.slice(0, structured.limit.value) : docs;
};

const port = Number(process.argv[2] || process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const server = new FirestoreServer();
Promise.resolve(server.start(port, host)).then(
  () => console.log(`firestore emulator listening on ${host}:${port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
