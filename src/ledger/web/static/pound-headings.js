// The heading of a column of money shown in pounds (a *_pence column whose every cell
// that shows anything is a span.pounds, from the render_cell hook) says pounds:
// "allocation_pence" reads "allocation (£)". The name stays in the heading's tooltip, for
// filters and sorting; the JSON and CSV keep the name and integer pence.
(() => {
  const NAME = /^(.*)_pence$/;
  for (const table of document.querySelectorAll("table.rows-and-columns")) {
    const rows = [...table.querySelectorAll("tbody tr")];
    table.querySelectorAll("thead th").forEach((heading, index) => {
      const cells = rows.map((row) => row.children[index]).filter((cell) => cell);
      const shown = cells.filter((cell) => cell.textContent.trim() !== "");
      if (!shown.every((cell) => cell.querySelector("span.pounds"))) return;
      const text = [...(heading.querySelector("a") || heading).childNodes].find(
        (node) => node.nodeType === Node.TEXT_NODE && node.nodeValue.trim()
      );
      const parts = text && text.nodeValue.match(/^(\s*)(\S+)(.*)$/s);
      const name = parts && parts[2].match(NAME);
      if (!name) return;
      const label = `${name[1]} (£)`;
      text.nodeValue = parts[1] + label + parts[3];
      heading.title = `${parts[2]}, shown in pounds (the JSON and CSV give integer pence)`;
      for (const cell of cells) cell.dataset.heading = label;  // labels it on a narrow screen
    });
  }
})();
