// CSV of the selected queue rows, made in the browser (RFC 4180: CRLF, quotes doubled).

export const QUEUE_COLUMNS = [
  "entry_id",
  "location_id",
  "location_name",
  "state",
  "reason",
  "priority_group",
  "status",
  "holder_email",
  "claimed_until",
  "added_at",
];

function cell(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // A spreadsheet would run a place named "=HYPERLINK(…)" as a formula; a leading quote
  // makes it text (OWASP's advice for CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows, columns) {
  const lines = [
    columns.join(","),
    ...rows.map((row) => columns.map((c) => cell(row[c])).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the object URL can go once it has.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function stamp(moment = new Date()) {
  return moment.toISOString().replace(/[-:]/g, "").replace(/\..*/, "Z");
}
