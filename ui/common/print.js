// A chart drawn for the screen keeps its pixel width on paper, and the paper cuts it: before
// printing, each chart wider than the paper's printable width is zoomed down to fit it.
(() => {
  if (window.__chartsFitPaper) return;
  window.__chartsFitPaper = true;
  const PAPER = 700;  // px: A4 or Letter, portrait, minus the browser's default margins
  window.addEventListener("beforeprint", () => {
    for (const chart of document.querySelectorAll(".stPlotlyChart, [data-testid='stImage']")) {
      const width = chart.scrollWidth;
      if (width > PAPER) chart.style.zoom = String(PAPER / width);
    }
  });
  window.addEventListener("afterprint", () => {
    for (const chart of document.querySelectorAll(".stPlotlyChart, [data-testid='stImage']")) {
      chart.style.zoom = "";
    }
  });
})();
