"""Set-up of the one server process every session shares: torch's threads and plotly's template.

Every session shares this one process, so torch runs on one thread here: with two, a forward
pass that competes with other sessions (or a browser on the same machine) for the cores
stalled for up to seconds (measured with the timing hook of shared/perf: a new sentence on
the LSTM page took 340–2,260 ms of script time with two threads, 275–311 ms with one).

Every chart keeps its tick labels (`ticklabeloverflow="allow"` in the template Streamlit
gives every figure). By default plotly.js measures each tick label to hide the ones that cross
the chart's edge, and on a long page each measurement makes the browser lay out the whole
page again: on the LSTM page that was about a second of the browser's time per new sentence
(Chrome's profiler, `_adjustTickLabelsOverflow`). Our labels fit, so nothing is hidden.
"""

import functools

import plotly.io as pio
import streamlit.elements.plotly_chart  # noqa: F401  (registers the "streamlit" template)
import torch


@functools.cache
def configure_process() -> None:
    """One torch thread, and tick labels never hidden: done once per process (app.py calls it
    on every run)."""
    torch.set_num_threads(1)
    template = pio.templates["streamlit"].layout
    template.xaxis.ticklabeloverflow = "allow"
    template.yaxis.ticklabeloverflow = "allow"
