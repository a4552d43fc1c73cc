// The result table: sortable by any column (click or Enter on its header), with its row
// count and a CSV download of exactly the rows shown.

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function shown(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "number" ? numberFormat.format(value) : String(value);
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function csv(columns, rows) {
  const cell = (value) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [columns, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function resultTable({ columns, rows, truncated }, name) {
  const box = document.createElement("section");
  box.className = "result";
  const tools = document.createElement("div");
  tools.className = "table-tools";
  const count = document.createElement("span");
  count.className = "row-count";
  count.textContent = `${rows.length} ${rows.length === 1 ? "row" : "rows"}${truncated ? " (cut at the row limit)" : ""}`;
  const save = document.createElement("button");
  save.type = "button";
  save.className = "quiet";
  save.textContent = "Download CSV";
  tools.append(count, save);

  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.tabIndex = 0;
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.className = "skip";
  caption.textContent = "Result rows; the column headers sort them";
  const head = document.createElement("thead");
  const body = document.createElement("tbody");
  table.append(caption, head, body);
  wrap.append(table);
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", "Result table");

  let order = rows.map((_, i) => i);
  let sorted = { column: -1, ascending: true };
  const numeric = columns.map((_, c) => rows.some((r) => typeof r[c] === "number"));

  const headerRow = document.createElement("tr");
  columns.forEach((column, c) => {
    const th = document.createElement("th");
    th.scope = "col";
    if (numeric[c]) th.className = "num";
    th.setAttribute("aria-sort", "none");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = column;
    button.addEventListener("click", () => {
      sorted = { column: c, ascending: sorted.column === c ? !sorted.ascending : true };
      order.sort((a, b) => compare(rows[a][c], rows[b][c]) * (sorted.ascending ? 1 : -1));
      headerRow.querySelectorAll("th").forEach((cell, i) => {
        cell.setAttribute("aria-sort", i !== c ? "none" : sorted.ascending ? "ascending" : "descending");
      });
      fill();
    });
    th.append(button);
    headerRow.append(th);
  });
  head.append(headerRow);

  function fill() {
    body.replaceChildren(
      ...order.map((i) => {
        const tr = document.createElement("tr");
        rows[i].forEach((value, c) => {
          const td = document.createElement("td");
          if (numeric[c]) td.className = "num";
          td.textContent = shown(value);
          tr.append(td);
        });
        return tr;
      }),
    );
  }
  fill();
  save.addEventListener("click", () => download(name, csv(columns, order.map((i) => rows[i]))));
  box.append(tools, wrap);
  return box;
}
