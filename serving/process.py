"""Set-up of the one server process every session shares: torch's threads, figures without a
template, and the static files.

Every session shares this one process, so torch runs on one thread here: with two, a forward
pass that competes with other sessions (or a browser on the same machine) for the cores
stalled for up to seconds (measured with the timing hook of shared/perf: a new sentence on
the LSTM page took 340–2,260 ms of script time with two threads, 275–311 ms with one).

Figures are built without plotly's default template: ui/common/figures.py sends the light
and the dark one (charts/theme.py) beside each figure, so a figure's spec holds only what it
draws.
"""

import functools

import plotly.io as pio
import torch

from serving.static_files import ensure_static_files


@functools.cache
def configure_process() -> None:
    """One torch thread, no default figure template, plotly.js in the static folder: done once
    per process (app.py calls it on every run)."""
    torch.set_num_threads(1)
    pio.templates.default = None
    ensure_static_files()
