// Local Firestore emulator (@firestore-emulator/server): a gRPC server the real
// google-cloud-firestore client talks to. See docs/local-stack.md for its gaps.
const { setAutoFreeze } = require("immer");
const {
  FirestoreServer,
  FirestoreState,
  FirestoreStateCollection,
  FirestoreStateDocument,
} = require("@firestore-emulator/server");

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
  }
  return document;
};

// A query sorted every document of its collection before filtering: with 100,000 entries
// each draw took seconds. Filter first (the sort is stable, so the order is the same), then
// sort what is left and apply the limit.
const ASCENDING = 1;
const query = FirestoreState.prototype.v1Query;
FirestoreState.prototype.v1Query = function v1Query(parent, structured) {
  if (!structured.order_by || structured.order_by.length === 0) {
    return query.call(this, parent, structured);
  }
  const unsorted = Object.create(structured, {
    order_by: { value: [] },
    has_limit: { value: false },
  });
  const docs = query.call(this, parent, unsorted).sort((a, b) => {
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
