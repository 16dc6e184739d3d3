"""The static site's stylesheet and script, written next to index.html (no CDN: the site works offline).

They are files rather than inline blocks so the page's Content-Security-Policy can forbid every
inline script: text that slipped past escaping still could not run.

Layout: the page uses the whole width; each board's table scrolls sideways inside its own box while
the model column stays in place (`position: sticky`), so no score column hides behind the page's
edge. On a narrow screen the filters wrap and the model column narrows.
"""

STYLE_CSS = """\
body { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; margin: 1em 1.5em; }
header p { max-width: 70em; }
h1, h2, h3 { font-weight: 600; }
h2 .suite { font-size: 13px; font-weight: normal; color: #5f6b7d; margin-left: .4em; }
a { color: #1f4f8a; }
.muted { color: #5f6b7d; }
.filters { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: flex-end; margin: .8em 0;
  padding: .6em .8em; background: #f4f6f9; border-radius: 6px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: #5f6b7d; }
.filters input, .filters select { font: inherit; font-size: 14px; color: #1d2330; padding: .2em .3em;
  min-width: 9em; max-width: 100%; }
.filters output { margin-left: auto; color: #5f6b7d; }
nav { margin: .4em 0 1em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: separate; border-spacing: 0; margin: .6em 0; }
table.board { width: 100%; }
th, td { padding: .3em .6em; border-bottom: 1px solid #d8dce3; text-align: left; vertical-align: top;
  background: #fff; box-sizing: border-box; }
th { vertical-align: bottom; background: #f9fafb; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th .metric { display: block; font-weight: normal; font-size: 11px; color: #5f6b7d; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[data-nosort] { cursor: default; }
table.sortable th:not([data-nosort])::after { content: " \\2195"; color: #9aa3b2; }
table.sortable th[aria-sort="ascending"]::after { content: " \\2191"; color: #1d2330; }
table.sortable th[aria-sort="descending"]::after { content: " \\2193"; color: #1d2330; }
table.board th.model, table.board td.model { position: sticky; left: 0; z-index: 1;
  min-width: 11em; max-width: 22em; overflow-wrap: anywhere; box-shadow: 1px 0 0 #d8dce3; }
table.board th.model { background: #f9fafb; }
table.board td:not(.model) { white-space: nowrap; }
td.rank { color: #5f6b7d; }
.revision { display: block; font-size: 11px; color: #5f6b7d; }
.badge { display: inline-block; margin-left: .4em; padding: 0 .35em; font-size: 11px; border-radius: 3px;
  background: #e7eefb; color: #23456e; }
.check { color: #1f7a3a; margin-left: .25em; }
tr[hidden], section[hidden] { display: none; }
.figures { display: flex; flex-wrap: wrap; gap: .5em 1em; }
figure { margin: .5em 0; max-width: 100%; }
figure img { max-width: min(38em, 100%); height: auto; }
details { margin: .5em 0 1em; }
@media (max-width: 40em) {
  body { margin: .5em; font-size: 13px; }
  .filters label { flex: 1 1 40%; }
  .filters output { margin-left: 0; }
  table.board th.model, table.board td.model { min-width: 8em; max-width: 11em; }
}
"""

SITE_JS = """\
"use strict";
// The leaderboard's sorting, ranks and filters, in plain JavaScript (the page allows only this file).

const present = (value) => value !== "" && value !== "nan" && value !== "NaN";

function valueOf(row, column) {
  const cell = row.cells[column];
  return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
}

// Click (or Enter on) a header to sort its table; again to reverse. Empty cells stay last.
function sortRows(table, header, descending) {
  const column = header.cellIndex;
  const numeric = header.classList.contains("number");
  for (const other of header.parentElement.cells) other.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = valueOf(a, column), y = valueOf(b, column);
    if (!present(x) || !present(y)) return !present(x) - !present(y);
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return descending ? -order : order;
  });
  body.append(...rows);
  renumber(table);
}

function sortBy(table, header) {
  const current = header.getAttribute("aria-sort");
  const descending = current ? current === "ascending" : header.dataset.first === "descending";
  sortRows(table, header, descending);
}

// # ranks only comparable rows: the visible ones with a value in the score column the table is sorted
// by, best first whatever the display order (ties share a rank). Other sorts show no ranks.
function renumber(table) {
  const header = table.tHead.querySelector("th[aria-sort]");
  const rows = Array.from(table.tBodies[0].rows).filter((row) => row.querySelector("td.rank"));
  for (const row of rows) row.querySelector("td.rank").textContent = "";
  if (!header || !header.dataset.rank) return;
  const column = header.cellIndex;
  const best = header.dataset.rank === "descending" ? -1 : 1;
  const ranked = rows
    .filter((row) => !row.hidden && present(valueOf(row, column)))
    .sort((a, b) => best * (Number(valueOf(a, column)) - Number(valueOf(b, column))));
  let rank = 0;
  ranked.forEach((row, index) => {
    if (index === 0 || valueOf(row, column) !== valueOf(ranked[index - 1], column)) rank = index + 1;
    row.querySelector("td.rank").textContent = String(rank);
  });
}

function applyFilters() {
  const get = (id) => document.getElementById(id).value;
  const query = get("search").trim().toLowerCase();
  const suite = get("suite"), task = get("task"), license = get("license");
  const verified = get("verified"), synthetic = get("synthetic");
  let shown = 0, total = 0;
  for (const section of document.querySelectorAll("section.board-section")) {
    const table = section.querySelector("table.board");
    const taskHeader = task && table
      ? Array.from(table.tHead.rows[0].cells).find((th) => th.dataset.task === task) : null;
    section.hidden = Boolean((suite && section.dataset.suite !== suite) || (task && !taskHeader));
    if (!table) continue;
    let visible = 0;
    for (const row of table.tBodies[0].rows) {
      total += 1;
      const keep = !section.hidden
        && (!query || row.dataset.model.includes(query))
        && (!license || row.dataset.license === license)
        && (!verified || row.dataset.verified === verified)
        && (!synthetic || row.dataset.synthetic === synthetic)
        && (!taskHeader || present(valueOf(row, taskHeader.cellIndex)));
      row.hidden = !keep;
      visible += keep;
    }
    shown += visible;
    if (taskHeader && !taskHeader.hasAttribute("aria-sort")) {
      sortRows(table, taskHeader, taskHeader.dataset.rank === "descending");
    } else {
      renumber(table);
    }
    section.querySelector(".empty").hidden = visible > 0 || section.hidden;
  }
  document.getElementById("shown").textContent = `${shown} of ${total} rows shown`;
}

for (const table of document.querySelectorAll("table.sortable")) {
  for (const header of table.tHead.rows[0].cells) {
    if (header.hasAttribute("data-nosort")) continue;
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

const filters = document.getElementById("filters");
if (filters) {
  filters.addEventListener("input", applyFilters);
  filters.addEventListener("submit", (event) => event.preventDefault());
  applyFilters();
}
"""
