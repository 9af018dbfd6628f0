// Runs the page again as soon as its websocket is back after a loss.
// Streamlit's frontend reconnects by itself but asks for no run (unless one was under way), so
// a tab whose process died sat on another process, looking connected, until the visitor's next
// click; that click's run was then the one that rebuilt the session, and the click was lost.
// This presses Streamlit's own rerun key (R) once the connection state is CONNECTED again: the
// run carries the widgets' values and the address, and the page says at once that it moved.
(() => {
  if (window.__rerunOnReconnect) return;
  window.__rerunOnReconnect = true;
  let lost = false;
  const press = (type) => document.dispatchEvent(new KeyboardEvent(type, {
    key: "r", code: "KeyR", keyCode: 82, which: 82, bubbles: true,
  }));
  setInterval(() => {
    const state = document.querySelector('[data-testid="stApp"]')?.dataset.testConnectionState;
    if (state && state !== "CONNECTED") {
      lost = true;
    } else if (state === "CONNECTED" && lost) {
      lost = false;
      press("keydown");
      press("keyup");
    }
  }, 100);
})();
