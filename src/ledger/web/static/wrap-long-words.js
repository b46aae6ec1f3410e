// What made a view's table wider than a desktop window, where its values fit: a column's
// heading may break after each underscore of its name ("physical_health_hcdd_allocation
// (£)"), and a cell holding a long word (a file name, a URL, a locator) may break it
// anywhere. Names keep their words whole, a cell of one short word (a date, a code) stays
// on one line, as an amount in pounds does. Runs after pound-headings.js, which reads
// each heading's name as one piece of text.
(() => {
  const LONG = /\S{24,}/;
  const SHORT = /^\S{1,12}$/;  // 2013-11-06, a code, a number
  for (const table of document.querySelectorAll("table.rows-and-columns")) {
    for (const heading of table.querySelectorAll("thead th")) {
      const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
      const texts = [];
      while (walker.nextNode()) texts.push(walker.currentNode);
      for (const text of texts.filter((node) => node.nodeValue.includes("_"))) {
        const parts = text.nodeValue.split(/(?<=_)/);
        text.replaceWith(...parts.flatMap((part, index) =>
          index < parts.length - 1 ? [part, document.createElement("wbr")] : [part]));
      }
    }
    for (const cell of table.querySelectorAll("tbody td")) {
      const text = cell.textContent.trim();
      if (LONG.test(text)) cell.classList.add("long-words");
      else if (SHORT.test(text)) cell.classList.add("one-word");
    }
  }
})();
