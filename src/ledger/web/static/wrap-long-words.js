// What made a view's table wider than a desktop window, where its values fit: a column's
// heading may break after each underscore of its name ("physical_health_hcdd_allocation
// (£)"), and a cell holding a long word (a file name, a URL, a locator) may break it
// anywhere. Names keep their words whole, a cell of one short word (a date, a code) stays
// on one line, as an amount in pounds does. A cell of several words is marked, and a table
// wider than its window marked "scrolls": a view's page lets such a table's cells of words
// wrap as lines of words rather than a column of single words (base.html). Runs after
// pound-headings.js, which reads each heading's name as one piece of text.
(() => {
  const LONG = /\S{24,}/;
  const SHORT = /^\S{1,12}$/;  // 2013-11-06, a code, a number
  const MANY = /^(\S+\s+){7}\S/;  // a sentence: eight words or more
  const SOME = /^(?=.{24,})\S+\s+\S/;  // words 24 characters long or more: a source's line
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
      if (MANY.test(text)) cell.classList.add("many-words");
      else if (SOME.test(text)) cell.classList.add("some-words");
    }
    const wrapper = table.closest(".table-wrapper");
    if (wrapper && wrapper.scrollWidth > wrapper.clientWidth) wrapper.classList.add("scrolls");
  }
})();
