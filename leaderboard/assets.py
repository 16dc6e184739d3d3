"""The static site's stylesheet and script, written next to index.html (no CDN: the site works offline).

They are files rather than inline blocks so the page's Content-Security-Policy can forbid every
inline script: text that slipped past escaping still could not run.
"""

STYLE_CSS = """\
body { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; }
body { margin: 2em auto; max-width: 90em; padding: 0 1em; }
.scroll { overflow-x: auto; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #d8dce3; text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th::after { content: " \\2195"; color: #9aa3b2; }
table.sortable th[aria-sort="ascending"]::after { content: " \\2191"; color: #1d2330; }
table.sortable th[aria-sort="descending"]::after { content: " \\2193"; color: #1d2330; }
td.model { min-width: 10em; max-width: 24em; overflow-wrap: anywhere; }
table.board td:not(.model) { white-space: nowrap; }
.muted { color: #5f6b7d; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; }
figure img { max-width: 38em; }
"""

SORT_JS = """\
"use strict";
// Click (or Enter on) a column header to sort its table; again to reverse. Empty cells stay last.
// A cell sorts by its data-value attribute when it has one, else by its text.
function sortBy(table, header) {
  const column = header.cellIndex;
  const numeric = header.classList.contains("number");
  const current = header.getAttribute("aria-sort");
  const descending = current ? current === "ascending" : header.dataset.first === "descending";
  for (const other of header.parentElement.cells) other.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  const key = (row) => {
    const cell = row.cells[column];
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  };
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return (x === "") - (y === "");
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return descending ? -order : order;
  });
  body.append(...rows);
}

for (const table of document.querySelectorAll("table.sortable")) {
  for (const header of table.tHead.rows[0].cells) {
    header.tabIndex = 0;
    header.addEventListener("click", () => sortBy(table, header));
    header.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        sortBy(table, header);
      }
    });
  }
}
"""
