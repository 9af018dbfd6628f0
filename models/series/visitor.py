"""A visitor's own series: a CSV file (or numbers pasted as text) read into one column of values,
or a clear one-line reason why not (SeriesInputError).

What is read and how:
- At most MAX_BYTES (32 MB); UTF-8 text (Latin-1 accepted); no binary data.
- The separator is whichever of , ; tab | splits the first lines alike (else one column).
- A first row with text in it is the header; otherwise columns are "column 1", "column 2", ...
- A column of dates (2001-12-29, 2001/12/29, 2001-12, 20011229, with a time or not), a column
  named like a date or an index (date, time, year, month, week, day, period, index), or whole
  numbers counting up by one, labels the values instead of being one.
- The values: the column asked for, or the first column holding only numbers (and empty cells).
- More than MAX_VALUES rows: only the last MAX_VALUES are read (the recent past), and a note
  says so.
- Missing values (empty, NA, NaN, null, -, ?): inside the series, filled by linear interpolation
  between the nearest values on either side; at its start or end, dropped. Notes count both.
  More than half missing is refused.
- Refused: no numeric column, text in a value cell, fewer than MIN_VALUES values, a constant
  series, numbers beyond ±MAX_ABS (or infinite).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np

from models.series.data import train_size

MAX_BYTES = 32 * 1024 * 1024
MAX_VALUES = 5_000
MIN_VALUES = 60
MAX_ABS = 1e15
MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", ".", "#n/a"}
LABEL_NAMES = re.compile(r"^(date|time|timestamp|datetime|year|month|week|day|period|index|t)$")
DATE = re.compile(
    r"^\d{4}([-/.]\d{1,2}([-/.]\d{1,2})?)?([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$"
    r"|^\d{8}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$"
)
BINARY_STARTS = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")
SEPARATORS = (",", ";", "\t", "|")


class SeriesInputError(ValueError):
    """A visitor's file or text that cannot be read as a series; str() is the plain message."""


@dataclass(frozen=True)
class VisitorSeries:
    values: np.ndarray  # (n,) float64
    column: str  # the column the values came from
    numeric_columns: tuple[str, ...]  # every column that could be chosen
    labels: tuple[str, ...] | None  # a date or index per value, when the file has them
    label_column: str | None
    filled: np.ndarray  # (n,) bool: values filled in by interpolation
    notes: tuple[str, ...]  # what was done to the input, in plain words


def _text_of(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise SeriesInputError(
            f"The file is {len(data) / 1e6:.0f} MB; files up to {MAX_BYTES // 2**20} MB are read."
        )
    if not data.strip():
        raise SeriesInputError("The file is empty.")
    if data.startswith(BINARY_STARTS) or b"\x00" in data[:65536]:
        raise SeriesInputError("This is not a CSV file: it holds binary data, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:65536]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if control > len(sample) / 100:
        raise SeriesInputError("This is not a CSV file: it holds binary data, not text.")
    return text


def _separator(lines: list[str]) -> str | None:
    """The separator that splits the first lines into the same number (> 1) of fields."""
    for sep in SEPARATORS:
        counts = {len(next(csv.reader([line], delimiter=sep))) for line in lines}
        if len(counts) == 1 and counts.pop() > 1:
            return sep
    for sep in SEPARATORS:  # ragged lines: the one that splits most of them
        if sum(sep in line for line in lines) > len(lines) / 2:
            return sep
    return None


def _number(cell: str) -> float | None:
    """A cell's number, nan for a missing cell, None for text."""
    cell = cell.strip()
    if cell.lower() in MISSING:
        return float("nan")
    try:
        return float(cell.replace("_", "x"))  # no underscores inside numbers
    except ValueError:
        return None


def _is_label_column(
    index: int, width: int, name: str, cells: list[str], numbers: list[float | None]
) -> bool:
    """Dates, a date- or index-like name, or (first of several columns) whole numbers counting
    up by one."""
    present = [c.strip() for c in cells if c.strip()]
    if not present or width == 1:
        return False
    if LABEL_NAMES.match(name.strip().lower()):
        return True
    if all(DATE.match(c) for c in present) and any(n is None for n in numbers):
        return True
    if index == 0 and all(n is not None and not np.isnan(n) for n in numbers):
        steps = np.diff(np.array(numbers, dtype=np.float64))
        return len(steps) > 1 and bool(np.all(steps == 1))
    return False


def read_series_csv(data: bytes, column: str | None = None) -> VisitorSeries:
    """A visitor's CSV file read into a series (see the module docstring), or SeriesInputError."""
    text = _text_of(data)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    lines = lines[blank:]
    if not lines:
        raise SeriesInputError("The file is empty.")
    sep = _separator([line for line in lines[:20] if line.strip()]) or ","
    head = next(csv.reader(lines[:1], delimiter=sep))
    header = len(lines) > 1 and any(
        _number(cell) is None and not DATE.match(cell.strip()) for cell in head
    )
    notes = []
    first_row = blank + (2 if header else 1)  # the file's row number of the first value
    body_lines = lines[1:] if header else lines
    if len(body_lines) > MAX_VALUES:  # cut before parsing: a million rows stay quick
        notes.append(
            f"The file has {len(body_lines):,} rows: only the last {MAX_VALUES:,} were read."
        )
        first_row += len(body_lines) - MAX_VALUES
        body_lines = body_lines[-MAX_VALUES:]
    body = list(csv.reader(body_lines, delimiter=sep))
    rows = [head, *body] if header else body
    width = max(len(row) for row in rows)
    names = [c.strip() or f"column {i + 1}" for i, c in enumerate(head)] if header else []
    names += [f"column {i + 1}" for i in range(len(names), width)]
    cells = [[row[i] if i < len(row) else "" for row in body] for i in range(width)]
    numbers = [[_number(c) for c in col] for col in cells]
    label = next(
        (i for i in range(width) if _is_label_column(i, width, names[i], cells[i], numbers[i])),
        None,
    )
    numeric = [
        i
        for i in range(width)
        if i != label and all(n is not None for n in numbers[i]) and _any_value(numbers[i])
    ]
    if column is not None:
        if column not in names:
            raise SeriesInputError(
                f"There is no column {column!r}; the columns are: {', '.join(names)}."
            )
        chosen = names.index(column)
        if chosen not in numeric:
            _refuse_text(names[chosen], cells[chosen], numbers[chosen], first_row)
    elif numeric:
        chosen = numeric[0]
    else:
        texty = [i for i in range(width) if i != label and _mostly_numbers(numbers[i])]
        if texty:
            _refuse_text(names[texty[0]], cells[texty[0]], numbers[texty[0]], first_row)
        raise SeriesInputError("No column holds numbers: there is nothing to forecast.")
    values = np.array(numbers[chosen], dtype=np.float64)
    labels = [c.strip() for c in cells[label]] if label is not None else None
    values, labels, filled, more = _fill_missing(values, labels)
    _check_values(values, first_row, numbers[chosen])
    return VisitorSeries(
        values,
        names[chosen],
        tuple(names[i] for i in numeric),
        tuple(labels) if labels is not None else None,
        names[label] if label is not None else None,
        filled,
        tuple(notes + more),
    )


def read_pasted(text: str) -> VisitorSeries:
    """Numbers pasted as text, separated by spaces, new lines, commas or semicolons."""
    tokens = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    if not tokens:
        raise SeriesInputError("Nothing was pasted.")
    return read_series_csv("\n".join(tokens).encode("utf-8"))


def _any_value(numbers: list[float | None]) -> bool:
    return any(n is not None and not np.isnan(n) for n in numbers)


def _mostly_numbers(numbers: list[float | None]) -> bool:
    known = [n for n in numbers if n is None or not np.isnan(n)]
    return bool(known) and sum(n is not None for n in known) >= len(known) / 2


def _refuse_text(name: str, cells: list[str], numbers: list[float | None], first: int) -> None:
    bad = next((i for i, n in enumerate(numbers) if n is None), None)
    if bad is None:
        raise SeriesInputError(f"Column {name!r} holds no numbers.")
    cell = cells[bad].strip()
    shown = cell if len(cell) <= 20 else cell[:20] + "…"
    raise SeriesInputError(
        f"Column {name!r} has text in row {first + bad} ({shown!r}): "
        "only numbers (or empty cells) can be read."
    )


def _fill_missing(
    values: np.ndarray, labels: list[str] | None
) -> tuple[np.ndarray, list[str] | None, np.ndarray, list[str]]:
    missing = np.isnan(values)
    notes = []
    if missing.sum() > len(values) / 2:
        raise SeriesInputError(
            f"{int(missing.sum()):,} of {len(values):,} values are missing: more than half."
        )
    present = np.flatnonzero(~missing)
    start, stop = int(present[0]), int(present[-1]) + 1
    if start or stop < len(values):
        notes.append(
            f"{start + len(values) - stop} missing value(s) at the start or end were dropped."
        )
    values, missing = values[start:stop], missing[start:stop]
    labels = labels[start:stop] if labels is not None else None
    if missing.any():
        known = np.flatnonzero(~missing)
        values = values.copy()
        values[missing] = np.interp(np.flatnonzero(missing), known, values[known])
        notes.append(
            f"{int(missing.sum())} missing value(s) inside the series were filled by linear "
            "interpolation between the nearest values on either side."
        )
    return values, labels, missing, notes


def _check_values(values: np.ndarray, first: int, numbers: list[float | None]) -> None:
    huge = np.flatnonzero(~(np.abs(values) <= MAX_ABS))
    if len(huge):
        index = next(i for i, n in enumerate(numbers) if n is not None and not abs(n) <= MAX_ABS)
        raise SeriesInputError(
            f"Row {first + index} holds {numbers[index]:g}: numbers beyond ±{MAX_ABS:g} are "
            "too large to train on; rescale the column (e.g. to thousands or millions)."
        )
    if len(values) < MIN_VALUES:
        raise SeriesInputError(
            f"Only {len(values)} values: at least {MIN_VALUES} are needed (80% to train on, "
            "the last 20% held out)."
        )
    if np.ptp(values) == 0:
        raise SeriesInputError(
            f"All {len(values)} values are the same ({values[0]:g}): there is nothing to forecast."
        )
    if np.ptp(values[: train_size(len(values))]) == 0:
        raise SeriesInputError(
            "The first 80% of the values (the part trained on) are all the same: a reader "
            "would learn nothing from them."
        )
