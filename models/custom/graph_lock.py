"""One lock for every graph capture in the process (torch.export and torch.fx).

Both change process-wide state while they run: torch.fx patches nn.Module.__call__ and
__getattr__ (a model run or traced in another thread at that moment fails), and torch.export
turned mkldnn off, and two overlapping exports left it off. So captures happen one at a time,
at start-up, before anything is served, and the mkldnn switch is put back as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_LOCK = threading.Lock()


@contextmanager
def graph_capture() -> Iterator[None]:
    """Hold the process's capture lock; put the mkldnn switch back afterwards."""
    with _LOCK:
        mkldnn = torch.backends.mkldnn.enabled
        try:
            yield
        finally:
            torch.backends.mkldnn.enabled = mkldnn
