// A chart drawn for the screen keeps its pixel width on paper, and the paper cuts it. When the
// page is laid out for print (portrait or landscape, any paper), each chart or picture wider
// than the printed page's content is zoomed down to fit it; back on screen, the zoom goes.
// `beforeprint` fires while the screen's layout still stands, so the print media query's
// change is where the paper's width can be measured.
(() => {
  if (window.__chartsFitPaper) return;
  window.__chartsFitPaper = true;
  const CHARTS = ".inside-figure, [data-testid='stImage']";
  const fit = (printing) => {
    const content = document.querySelector("[data-testid='stMainBlockContainer']");
    const paper = content ? content.clientWidth : 0;
    for (const chart of document.querySelectorAll(CHARTS)) {
      chart.style.zoom = "";
      if (!printing || !paper) continue;
      // The print style caps a chart's box at the paper, which would cut the drawing inside
      // (a picture scales instead): a chart's own width is its SVG's width attribute.
      const svg = chart.querySelector(".main-svg");
      const width = Math.max(chart.scrollWidth, svg ? parseFloat(svg.getAttribute("width")) : 0);
      if (width > paper) chart.style.zoom = String(paper / width);
    }
  };
  window.matchMedia("print").addEventListener("change", (event) => fit(event.matches));
})();
