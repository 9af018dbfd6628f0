"""bench/report.py: the markdown file `make bench` writes, from a small made-up result."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

from bench.report import (
    MODEL_HEADING,
    Machine,
    Pace,
    add_model_section,
    cpu_model,
    memory_gb,
    model_section,
    server_report,
    this_machine,
    write_server_report,
)

TABLE = {
    "replace the uploaded photo": {"server ms": "91 (85–102)", "of it CPU": "81 (78–90)"},
    "16 sessions upload at once": {"server latency p95 ms": "1710"},
}
MACHINE = Machine("AMD EPYC 7B13", 2, 23.5, "3.11.7", "2.13.0+cpu", "1.67.0")
PACE = Pace(17.5, 11.3, 2, {"at the start": 74.2, "before the bursts": 69.0, "at the end": 73.4})
WHEN = dt.datetime(2026, 11, 22, 12, 30, tzinfo=dt.UTC)
CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
processor\t: 1
model name\t: AMD EPYC 7B13
"""


def _table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_report_has_the_date_machine_pace_and_one_row_per_measure() -> None:
    text = server_report(TABLE, MACHINE, PACE, "server pinned to core 1", 5, WHEN)
    lines = text.splitlines()
    assert lines[0] == "# Latest `make bench`"
    assert "on 2026-11-22 12:30 UTC" in text
    assert (
        "- Machine: AMD EPYC 7B13, 2 cores, 24 GB; Python 3.11.7, torch 2.13.0+cpu, "
        "streamlit 1.67.0" in lines
    )
    assert "- Cores: server pinned to core 1" in lines
    assert (
        "- Bare SqueezeNet forward pass (median of 20): 17.5 ms on 1 thread, 11.3 ms on 2" in lines
    )
    assert (
        "- Pace loop, a fixed Python loop on the server's core (median of 5): 74 ms at the "
        "start, 69 ms before the bursts, 73 ms at the end" in lines
    )
    assert _table_rows(text) == [
        ["action", "measure", "value"],
        ["replace the uploaded photo", "server ms", "91 (85–102)"],
        ["replace the uploaded photo", "of it CPU", "81 (78–90)"],
        ["16 sessions upload at once", "server latency p95 ms", "1710"],
    ]
    assert "|---|---|---|" in lines
    assert "[bench-history.md](bench-history.md)" in text


def test_a_pipe_in_a_cell_does_not_split_the_row() -> None:
    text = server_report({"a | b": {"x": "1|2"}}, MACHINE, PACE, "shared", 1, WHEN)
    assert "| a \\| b | x | 1\\|2 |" in text.splitlines()


def test_the_machine_is_read_from_proc() -> None:
    assert cpu_model(CPUINFO) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\n") == (platform.machine() or "unknown CPU")
    assert memory_gb("MemTotal:       24683568 kB\nMemFree: 1 kB\n") == 24683568 / 1024**2
    assert memory_gb("") is None
    machine = this_machine()
    assert machine.cores >= 1
    assert machine.python == platform.python_version()
    assert machine.streamlit != "not installed"


def test_write_replaces_the_file_and_the_model_section_is_added_once(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "bench.md"
    path.parent.mkdir()
    path.write_text("an older run\n")
    write_server_report(path, TABLE, PACE, "server pinned to core 1", 5)
    assert "an older run" not in path.read_text()
    assert f"- Machine: {this_machine().line()}" in path.read_text().splitlines()

    rows = [("squeezenet1_1: forward, all stages kept", 14.256), ("decode 12 MP JPEG", 180.0)]
    section = model_section(rows, "2.13.0+cpu", 1, 20)
    add_model_section(path, section)
    add_model_section(path, section)  # benchmark.py run again: still one section
    text = path.read_text()
    assert text.count(MODEL_HEADING) == 1
    assert text.index("| replace the uploaded photo |") < text.index(MODEL_HEADING)
    assert "torch 2.13.0+cpu on 1 thread(s)" in text
    model_rows = _table_rows(text.split(MODEL_HEADING)[1])
    assert model_rows == [
        ["piece", "value (ms unless stated)"],
        ["squeezenet1_1: forward, all stages kept", "14.26"],
        ["decode 12 MP JPEG", "180.00"],
    ]
