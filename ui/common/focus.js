// Moves keyboard focus to the element named by SELECTOR once the page has drawn it: Streamlit
// cannot set focus itself. Gives up after 10 s, or as soon as the visitor clicks or types.
(() => {
  const selector = SELECTOR;
  let stopped = false;
  const stop = () => { stopped = true; };
  for (const event of ["mousedown", "keydown", "touchstart"]) {
    window.addEventListener(event, stop, { once: true, capture: true });
  }
  const started = Date.now();
  const tick = () => {
    if (stopped || Date.now() - started > 10000) return;
    const app = document.querySelector('[data-testid="stApp"]');
    const target = document.querySelector(selector);
    if (app && app.dataset.testScriptState === "notRunning" && target && !target.disabled) {
      target.focus({ focusVisible: true });
      if (document.activeElement === target) return;
    }
    setTimeout(tick, 50);
  };
  tick();
})();
