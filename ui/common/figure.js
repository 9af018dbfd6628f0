// One plotly figure, drawn once. plotly.js is loaded once per tab from the app's static folder;
// the figure is drawn at its container's width (known before the draw, so no second draw
// when the width arrives), and again only when its spec changes. Its template is the light or
// the dark one, as the page shows; when the viewer switches the theme (which by itself does
// not rerun the page), every figure takes the other template at once, and one rerun follows.
const pageTheme = () => {
  const app = document.querySelector('[data-testid="stApp"]') || document.body;
  const rgb = (getComputedStyle(app).backgroundColor.match(/[\d.]+/g) || []).map(Number);
  const transparent = rgb.length < 3 || rgb[3] === 0;
  const bright = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 128;
  return transparent || bright ? "light" : "dark";
};

function followTheme(Plotly) {
  window.__figureTheme = pageTheme();
  const check = () => {
    const now = pageTheme();
    if (now === window.__figureTheme) return;
    window.__figureTheme = now;
    const figures = [...document.querySelectorAll(".inside-figure")];
    for (const div of figures) {
      if (div.__templates && div._fullLayout) Plotly.relayout(div, { template: div.__templates[now] });
    }
    // One rerun, so that what the figures draw in the theme's own colours (a cursor, a bar's
    // label) is built for the new theme too.
    const any = figures.find((div) => div.__trigger);
    if (any) any.__trigger("theme", now);
  };
  // The menu's Light or Dark gives the app's root new style classes; "System" follows the
  // browser's own setting.
  const app = document.querySelector('[data-testid="stApp"]');
  if (app) new MutationObserver(check).observe(app, { attributeFilter: ["class"] });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", check);
}

function loadPlotly() {
  if (!window.__plotlyReady) {
    window.__plotlyReady = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "PLOTLY_URL";
      script.onload = () => {
        followTheme(window.Plotly);
        resolve(window.Plotly);
      };
      script.onerror = () => {
        script.remove();
        window.__plotlyReady = null; // the next figure tries again
        reject(new Error("plotly.js did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return window.__plotlyReady;
}

export default function ({ data, parentElement, setTriggerValue }) {
  let div = parentElement.querySelector(":scope > .inside-figure");
  if (!div) {
    div = document.createElement("div");
    div.className = "inside-figure";
    div.setAttribute("role", "figure");
    div.__generation = 0;
    parentElement.appendChild(div);
  }
  div.setAttribute("aria-label", data.alt);
  div.__trigger = setTriggerValue;
  // Streamlit keeps the cleanup of the latest call: an earlier call's, run late, does nothing.
  const generation = ++div.__generation;
  const cleanup = () => {
    if (div.__generation !== generation) return;
    if (div.__resize) div.__resize.disconnect();
    if (window.Plotly) window.Plotly.purge(div);
    div.__resize = div.__drawing = null;
    div.__clicks = false;
  };
  if (div.__drawing === data.digest) return cleanup;
  div.__drawing = data.digest;
  div.dataset.pending = "true"; // until plotly has drawn it: what tests and the bench wait on
  const figure = JSON.parse(data.figure);
  const layout = figure.layout || {};
  if (!div._fullLayout) div.style.minHeight = `${layout.height || 450}px`; // no jump on load
  const width = () => Math.floor(parentElement.getBoundingClientRect().width);
  loadPlotly().then(
    (Plotly) => {
      if (div.__drawing !== data.digest) return; // a newer figure came while plotly.js loaded
      if (!div._fullLayout) div.textContent = ""; // a failed load's message
      div.__templates = JSON.parse(data.templates);
      layout.template = div.__templates[window.__figureTheme || pageTheme()];
      div.__ownWidth = layout.width !== undefined;
      if (!div.__ownWidth && width()) layout.width = width();
      Plotly.react(div, {
        data: figure.data,
        layout,
        frames: figure.frames || [],
        config: {
          displaylogo: false,
          showSendToCloud: false,
          modeBarButtonsToRemove: ["select2d", "lasso2d"],
        },
      }).then(() => {
        div.style.minHeight = "";
        if (div.__drawing === data.digest) delete div.dataset.pending;
      });
      if (data.select && !div.__clicks) {
        div.__clicks = true;
        div.on("plotly_click", (event) =>
          div.__trigger(
            "select",
            event.points.map((p) => ({ x: p.x, y: p.y, point_index: p.pointIndex })),
          ),
        );
      }
      if (!div.__resize) {
        div.__resize = new ResizeObserver(() => {
          const now = width();
          if (div.__ownWidth || !now || !div._fullLayout || div._fullLayout.width === now) return;
          Plotly.relayout(div, { width: now });
        });
        div.__resize.observe(parentElement);
      }
    },
    () => {
      div.__drawing = null; // drawn again on the next run, once plotly.js loads
      delete div.dataset.pending;
      div.textContent = "This chart could not be drawn: its script did not load. Reload the page.";
    },
  );
  return cleanup;
}
