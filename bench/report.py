"""`make bench`'s latest results as a markdown file (docs/bench.md), headed by the machine.

bench/server_bench.py writes the file: when it ran, the machine (CPU model, cores, memory,
Python, torch and streamlit versions), that machine's pace while it ran (the bare forward
pass on one thread and on every core, the fixed Python loop), and its table per action.
bench/benchmark.py then adds its own section, the pieces timed one by one. Each run of
server_bench.py replaces the file, so it holds one run; earlier runs are in
docs/bench-history.md. Standard library only: nothing here needs torch or streamlit loaded.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

MODEL_HEADING = "## The pieces one by one (`bench/benchmark.py`)"


@dataclass(frozen=True)
class Machine:
    """What the figures depend on besides the code."""

    cpu: str
    cores: int
    memory_gb: float | None
    python: str
    torch: str
    streamlit: str

    def line(self) -> str:
        memory = f", {self.memory_gb:.0f} GB" if self.memory_gb else ""
        return (
            f"{self.cpu}, {self.cores} cores{memory}; Python {self.python}, "
            f"torch {self.torch}, streamlit {self.streamlit}"
        )


@dataclass(frozen=True)
class Pace:
    """How fast the machine was while the bench ran; its speed drifts from run to run."""

    forward_one_thread_ms: float  # bare SqueezeNet forward pass, torch on one thread
    forward_every_core_ms: float  # the same on every core (torch's default)
    every_core: int
    loop_ms: Mapping[str, float]  # the fixed Python loop on the server's core, by when


def cpu_model(cpuinfo: str) -> str:
    """The first "model name" in the text of /proc/cpuinfo, else the architecture."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return platform.machine() or "unknown CPU"


def memory_gb(meminfo: str) -> float | None:
    """MemTotal from the text of /proc/meminfo, in GiB; None when it is missing."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:  # not Linux
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def this_machine() -> Machine:
    return Machine(
        cpu=cpu_model(_read("/proc/cpuinfo")),
        cores=os.cpu_count() or 1,
        memory_gb=memory_gb(_read("/proc/meminfo")),
        python=platform.python_version(),
        torch=_version("torch"),
        streamlit=_version("streamlit"),
    )


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def server_report(
    table: Mapping[str, Mapping[str, str]],
    machine: Machine,
    pace: Pace,
    placement: str,
    repeats: int,
    when: dt.datetime,
) -> str:
    """The file's text: the run's date and machine, then one table row per action and measure."""
    loop = ", ".join(f"{ms:.0f} ms {moment}" for moment, ms in pace.loop_ms.items())
    lines = [
        "# Latest `make bench`",
        "",
        f"Written by `make bench` on {when:%Y-%m-%d %H:%M} UTC; it replaces this file on every "
        "run. Earlier runs: [bench-history.md](bench-history.md).",
        "",
        f"- Machine: {machine.line()}",
        f"- Cores: {placement}",
        f"- Bare SqueezeNet forward pass (median of 20): {pace.forward_one_thread_ms:.1f} ms on "
        f"1 thread, {pace.forward_every_core_ms:.1f} ms on {pace.every_core}",
        f"- Pace loop, a fixed Python loop on the server's core (median of 5): {loop}",
        "",
        f"Cells with a range are the median (min–max) of {repeats} repeats. Server ms are "
        "script runs plus Streamlit's clean-up; browser ms run from the input event to the "
        "page's last change.",
        "",
        "| action | measure | value |",
        "|---|---|---|",
    ]
    for action, cells in table.items():
        for measure, value in cells.items():
            lines.append(f"| {_cell(action)} | {_cell(measure)} | {_cell(value)} |")
    return "\n".join(lines) + "\n"


def write_server_report(
    path: Path,
    table: Mapping[str, Mapping[str, str]],
    pace: Pace,
    placement: str,
    repeats: int,
) -> Path:
    """Replace `path` with this run's report, on this machine, dated now."""
    text = server_report(table, this_machine(), pace, placement, repeats, dt.datetime.now(dt.UTC))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def model_section(
    rows: Sequence[tuple[str, float]], torch_version: str, threads: int, repeats: int
) -> str:
    """bench/benchmark.py's table: one row per piece timed."""
    lines = [
        MODEL_HEADING,
        "",
        f"torch {torch_version} on {threads} thread(s). Medians of {repeats} runs (5 or 9 for "
        "the slower pieces); loading weights, occlusion and once-per-server work are timed once.",
        "",
        "| piece | value (ms unless stated) |",
        "|---|---|",
    ]
    lines += [f"| {_cell(label)} | {value:.2f} |" for label, value in rows]
    return "\n".join(lines) + "\n"


def add_model_section(path: Path, section: str) -> Path:
    """Append `section` to `path`, replacing an earlier model section there."""
    return add_section(path, MODEL_HEADING, section)


def add_section(path: Path, heading: str, text: str) -> Path:
    """Append `text` (which starts with `heading`) to the report at `path`, replacing the
    section an earlier run under that heading left there."""
    before = path.read_text().split(heading, 1)[0].rstrip("\n") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}\n\n{text}" if before else text)
    return path
