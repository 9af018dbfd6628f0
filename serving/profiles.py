"""The last profile of every model measured on this server: one store shared by every session,
one measuring at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from torch import nn

from models.compare.profiling import ProfilePlan, run_profile
from models.compare.report import ProfileReport, profile_report


@dataclass
class ProfileStore:
    """The last profile measured on this server, shared by every session; one run at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    report: ProfileReport | None = None
    finished: float | None = None  # time.time() when the last run ended
    seconds: dict[ProfilePlan, float] = field(default_factory=dict)  # each plan's last duration

    def measure(
        self,
        plan: ProfilePlan,
        cnns: Mapping[str, nn.Module],
        readers: Mapping[str, nn.Module],
        progress: Callable[[float, str], None],
    ) -> bool:
        """Time every model by `plan`, reporting (fraction done, model) as it goes; False, and
        nothing measured, when another session is measuring right now."""
        if not self.lock.acquire(blocking=False):
            return False
        try:
            started = time.monotonic()
            found = []
            for done, measurement in run_profile(cnns, readers, plan):
                found.append(measurement)
                progress(done, measurement.model)
            self.report, self.finished = profile_report(found, plan), time.time()
            self.seconds[plan] = time.monotonic() - started
        finally:
            self.lock.release()
        return True
