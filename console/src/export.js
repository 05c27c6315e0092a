// A CSV export (exportRecords) fetched page by page and appended to a file as it comes:
// the server sends each page's CSV lines (spreadsheet-safe), so an export of any size is
// never held whole in the page's memory when the browser can write files as a stream.

// Fetches every page of `params`, handing each page's CSV to `sink.write`; answers the totals.
export async function exportPages(api, params, sink, onProgress = () => {}) {
  let token = null;
  let rows = 0;
  let pages = 0;
  do {
    const answer = await api.get("exportRecords", { ...params, page_token: token });
    if (answer.csv) await sink.write(answer.csv);
    rows += answer.rows;
    pages += 1;
    token = answer.next_page_token ?? null;
    onProgress({ rows, pages });
  } while (token);
  await sink.close();
  return { rows, pages };
}

// Streams to a file the person picks (File System Access API), when the browser offers it.
export async function pickedFileSink(name) {
  const handle = await window.showSaveFilePicker({
    suggestedName: name,
    types: [{ description: "CSV", accept: { "text/csv": [".csv"] } }],
  });
  const writable = await handle.createWritable();
  return { write: (text) => writable.write(text), close: () => writable.close() };
}

// Elsewhere: each page becomes a Blob (the browser may keep blobs on disk), downloaded at the end.
export function downloadSink(name) {
  const parts = [];
  return {
    write: (text) => {
      parts.push(new Blob([text], { type: "text/csv;charset=utf-8" }));
    },
    close: () => {
      const url = URL.createObjectURL(new Blob(parts, { type: "text/csv;charset=utf-8" }));
      const link = Object.assign(document.createElement("a"), { href: url, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}

// Local date-time input values ("2026-03-01T09:00") as ISO instants the server takes.
export function toInstant(local) {
  return local ? new Date(local).toISOString() : "";
}
