// Keeps a section link (#heading-id) on its section while the page is still drawing.
// Streamlit scrolls to the heading as soon as it appears; charts and pictures drawn above it
// afterwards push it down. This scrolls it back into view until the page has settled or the
// visitor scrolls, clicks or types.
(() => {
  if (window.__keepAnchor) return;
  window.__keepAnchor = true;
  const settled = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.dataset.testScriptState === "notRunning"
      && !document.querySelector('[data-testid="stSkeleton"], .inside-figure[data-pending]');
  };
  const sectionId = () => {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch {
      return "";  // a malformed hash (#%E0%A4%A) names no section
    }
  };
  const keep = () => {
    const id = sectionId();
    if (!id) return;
    let stopped = false;
    const stop = () => { stopped = true; };
    for (const event of ["wheel", "touchstart", "keydown", "mousedown"]) {
      window.addEventListener(event, stop, { once: true, capture: true });
    }
    const started = Date.now();
    let quiet = 0;  // polls in a row with the page settled and the heading in place
    const tick = () => {
      if (stopped || Date.now() - started > 60000) return;
      const heading = document.getElementById(id);
      if (heading) {
        const top = heading.getBoundingClientRect().top;
        const offset = parseFloat(getComputedStyle(heading).scrollMarginTop) || 0;
        if (Math.abs(top - offset) > 8) {
          heading.scrollIntoView({ block: "start" });
          quiet = 0;
        } else if (settled()) {
          quiet += 1;
        }
      }
      if (quiet < 10) setTimeout(tick, 100);
    };
    tick();
  };
  keep();
  window.addEventListener("hashchange", keep);
})();
