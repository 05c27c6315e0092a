import assert from "node:assert/strict";
import { test } from "node:test";
import { toCsv } from "../src/csv.js";

test("quotes what needs quoting, CRLF line ends, empty for null", () => {
  const rows = [
    { a: 'Say "hi", twice', b: null, c: 2 },
    { a: "line\nbreak", b: undefined, c: 0 },
  ];
  assert.equal(
    toCsv(rows, ["a", "b", "c"]),
    'a,b,c\r\n"Say ""hi"", twice",,2\r\n"line\nbreak",,0\r\n',
  );
});

test("a cell a spreadsheet would run as a formula is made text", () => {
  const rows = [
    { name: '=HYPERLINK("http://x")' },
    { name: "+1 555" },
    { name: "@sum" },
    { name: "Plain" },
  ];
  assert.equal(
    toCsv(rows, ["name"]),
    'name\r\n"\'=HYPERLINK(""http://x"")"\r\n\'+1 555\r\n\'@sum\r\nPlain\r\n',
  );
});
