"""Streamlit-side glue: cached model loaders and per-input results shared by the pages.

Every session shares this one process, so torch runs on one thread here: with two, a forward
pass that competes with other sessions (or a browser on the same machine) for the cores
stalled for up to seconds (measured with the timing hook of shared/perf: a new sentence on
the LSTM page took 340–2,260 ms of script time with two threads, 275–311 ms with one).
"""

import torch

torch.set_num_threads(1)
