// The data grid (Tabulator): click a row to select it, ctrl/cmd-click to add one, shift-click
// for a range, as in a file manager; the checkbox column ticks rows one by one, and a
// shift-click on a checkbox ticks the whole range from the last one ticked, as in an
// admin list. The header checkbox ticks or clears the page.
import {
  FormatModule,
  InteractionModule,
  ResizeColumnsModule,
  SelectRowModule,
  Tabulator,
} from "tabulator-tables";

Tabulator.registerModule([FormatModule, InteractionModule, ResizeColumnsModule, SelectRowModule]);

export function createGrid(element, { columns, index, placeholder, onSelectionChange }) {
  let anchor = null;

  function tick(event, row) {
    // The row's own click handler would replace the selection; a checkbox adds to it.
    event.stopPropagation();
    const table = row.getTable();
    const rows = table.getRows("active");
    const here = rows.indexOf(row);
    const from = anchor === null ? -1 : rows.findIndex((r) => r.getIndex() === anchor);
    if (event.shiftKey && from >= 0 && from !== here) {
      window.getSelection()?.removeAllRanges();
      table.selectRow(rows.slice(Math.min(from, here), Math.max(from, here) + 1));
    } else {
      row.toggleSelect();
    }
    anchor = row.getIndex();
    syncBoxes(table);
  }

  function checkbox(cell) {
    const row = cell.getRow();
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "row-check";
    box.setAttribute("aria-label", "Select row");
    box.checked = row.isSelected();
    box.addEventListener("click", (event) => tick(event, row));
    return box;
  }

  const table = new Tabulator(element, {
    index,
    data: [],
    layout: "fitColumns",
    placeholder,
    selectableRows: true,
    selectableRowsRangeMode: "click",
    columns: [
      {
        formatter: checkbox,
        titleFormatter: "rowSelection",
        titleFormatterParams: { rowRange: "active" },
        hozAlign: "center",
        headerHozAlign: "center",
        headerSort: false,
        resizable: false,
        width: 44,
        cssClass: "select-cell",
      },
      ...columns.map((column) => ({ headerSort: false, ...column })),
    ],
  });
  table.on("rowSelectionChanged", (data) => {
    syncBoxes(table);
    onSelectionChange?.(data);
  });
  table.on("dataLoaded", () => {
    anchor = null;
  });
  // Tabulator builds itself asynchronously; data set before that may be dropped.
  const built = new Promise((resolve) => table.on("tableBuilt", resolve));
  table.load = async (rows) => {
    await built;
    await table.setData(rows);
  };
  return table;
}

function syncBoxes(table) {
  for (const row of table.getRows()) {
    const box = row.getElement()?.querySelector("input.row-check");
    if (box) box.checked = row.isSelected();
  }
}
