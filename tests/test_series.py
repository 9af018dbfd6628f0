"""The time-series readers: the shipped series as recorded, a split that never leaks, a visitor's
file read or refused with a plain message, the CNN's reach exactly its receptive field, hidden
states as the layers give them, the shipped figures reproduced, and the `forecast` verb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.harness.paths import ROOT
from models.cli import main
from models.sequence.cell_steps import cell_steps
from models.series.analysis import (
    distant_past_mae,
    gradient_by_lag,
    held_out_windows,
    hidden_states,
    integrated_gradients,
    reach,
    reach_profile,
)
from models.series.baselines import fit_linear_ar
from models.series.data import (
    SHIPPED,
    guess_season,
    heldout_targets,
    metadata,
    shipped_series,
    train_size,
)
from models.series.forecast import heldout_one_step, multi_step
from models.series.readers import SeriesConfig, build, dilations_within
from models.series.registry import shipped_forecasters, training_metrics
from models.series.training import TrainSettings, prepare, train_readers
from models.series.visitor import (
    MAX_VALUES,
    SeriesInputError,
    read_pasted,
    read_series_csv,
)
from tests.helpers.frozen import assert_untouched, snapshot

WAVE = np.sin(np.arange(100) / 5) * 10 + 50


def lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def column(values, header: str = "v", blank: set[int] = frozenset(), text: dict | None = None):
    text = text or {}
    cells = [text.get(i, "" if i in blank else f"{v:.6g}") for i, v in enumerate(values)]
    return lines(header, *cells)


def test_the_shipped_series_are_the_recorded_facts() -> None:
    facts = {"sunspots": (309, "1700", "2008", 0), "co2": (2284, "1958-03-29", "2001-12-29", 59)}
    facts["elnino"] = (732, "1950-01", "2010-12", 0)
    for name, (n, first, last, filled) in facts.items():
        series = shipped_series(name)  # checks the file's sha256
        assert (len(series), series.labels[0], series.labels[-1]) == (n, first, last)
        assert int(series.filled.sum()) == filled == metadata()["series"][name]["filled"]
        assert "public domain" in metadata()["series"][name]["licence"]
    co2 = shipped_series("co2")
    assert len(co2) - int(co2.filled.sum()) == 2225  # the weeks that were measured
    gaps = np.flatnonzero(co2.filled)
    known = np.flatnonzero(~co2.filled)
    expected = np.interp(gaps, known, co2.values[known])
    np.testing.assert_allclose(co2.values[gaps], expected, atol=0.051)  # written to 0.1 ppm
    assert shipped_series("sunspots").values[:3].tolist() == [5.0, 11.0, 16.0]


def test_a_season_is_found_where_the_series_has_one() -> None:
    assert [guess_season(shipped_series(n).train) for n in SHIPPED] == [11, 52, 12]
    assert guess_season(np.random.default_rng(0).normal(size=300)) == 1


def test_nothing_held_out_reaches_the_scaling_or_the_training_windows() -> None:
    """Garbage in the held-out part changes neither the scaling, nor a training pair, nor the
    weights training gives; it changes the held-out score."""
    values = shipped_series("sunspots").values.copy()
    spoiled = values.copy()
    spoiled[train_size(len(values)) :] = 1e4
    a, b = prepare(values), prepare(spoiled)
    assert a.scaling == b.scaling
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.train_y, b.train_y)
    settings = TrainSettings(epochs=1, readers=("cnn",))
    first, second = train_readers(values, settings), train_readers(spoiled, settings)
    for p, q in zip(
        first.models["cnn"].parameters(), second.models["cnn"].parameters(), strict=True
    ):
        assert torch.equal(p, q)
    assert first.history[0].heldout_mae < second.history[0].heldout_mae


def test_training_is_seeded_and_stops_when_asked() -> None:
    values = shipped_series("sunspots").values
    settings = TrainSettings(epochs=1, readers=("gru",))
    one, two = train_readers(values, settings), train_readers(values, settings)
    for p, q in zip(one.models["gru"].parameters(), two.models["gru"].parameters(), strict=True):
        assert torch.equal(p, q)
    stopped = train_readers(values, TrainSettings(epochs=3), should_stop=lambda: True)
    assert stopped.stopped and not stopped.history


BAD_FILES = {
    "not a csv": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a CSV"),
    "random bytes": (bytes(np.random.default_rng(0).integers(0, 256, 999, np.uint8)), "not a CSV"),
    "empty": (b"\n\n", "empty"),
    "no numeric column": (lines("name,city", *["bob,paris"] * 80), "No column holds numbers"),
    "text in cells": (column(WAVE, text={41: "n/a?"}), "text in row 43 ('n/a?')"),
    "too few values": (column(WAVE[:59]), "Only 59 values: at least 60"),
    "constant": (column(np.full(80, 7.0)), "All 80 values are the same (7)"),
    "huge numbers": (column(WAVE * 1e15), "too large"),
    "infinite": (column(WAVE, text={3: "inf"}), "Row 5 holds inf"),
    "mostly missing": (column(WAVE, blank=set(range(0, 100, 3)) | set(range(1, 100, 3))), "more"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_every_bad_file_gets_its_plain_message(case: str) -> None:
    data, said = BAD_FILES[case]
    with pytest.raises(SeriesInputError) as refused:
        read_series_csv(data)
    assert said in str(refused.value) and "\n" not in str(refused.value)


def test_a_column_asked_for_must_exist_and_hold_numbers() -> None:
    data = lines("when,v,note", *[f"2020-01-{i % 28 + 1:02d},{v},ok" for i, v in enumerate(WAVE)])
    with pytest.raises(SeriesInputError, match="no column 'x'"):
        read_series_csv(data, "x")
    with pytest.raises(SeriesInputError, match="Column 'note' has text in row 2"):
        read_series_csv(data, "note")
    found = read_series_csv(data)
    assert (found.column, found.label_column, found.numeric_columns) == ("v", "when", ("v",))
    assert found.labels[:2] == ("2020-01-01", "2020-01-02")


def test_missing_values_are_filled_or_dropped_and_said() -> None:
    found = read_series_csv(column(WAVE, blank={0, 10, 11, 99}))
    assert len(found.values) == 98 and found.filled.sum() == 2
    np.testing.assert_allclose(
        found.values[9:11], np.interp([10, 11], [9, 12], WAVE[[9, 12]]), rtol=1e-5
    )
    assert "2 missing value(s) inside" in found.notes[1] and "dropped" in found.notes[0]


def test_a_million_rows_are_cut_to_the_latest_and_said() -> None:
    big = lines("t,v", *[f"{i},{(i * 7919) % 1000}" for i in range(1_000_000)])
    found = read_series_csv(big)
    assert len(found.values) == MAX_VALUES and found.labels[0] == str(1_000_000 - MAX_VALUES)
    assert "1,000,000 rows" in found.notes[0]
    assert found.values[-1] == (999_999 * 7919) % 1000


def test_pasted_numbers_and_a_headerless_file_are_read() -> None:
    assert read_pasted("1 2, 3;4\n" * 20).values[:5].tolist() == [1, 2, 3, 4, 1]
    assert read_series_csv(lines(*[f"{v}" for v in WAVE])).column == "column 1"


@pytest.mark.parametrize("window", [16, 40, 100, 200])
def test_the_cnn_reads_exactly_its_receptive_field(window: int) -> None:
    """d output / d input is nonzero at every lag inside the receptive field, exactly 0 beyond."""
    torch.manual_seed(3)
    dilations = dilations_within(window) if window < 200 else (1,) * 5  # no dilation: 11 steps
    model = build(SeriesConfig("cnn", hidden=8, dilations=dilations)).eval()
    x = torch.randn(16, window + 30, requires_grad=True)
    (grad,) = torch.autograd.grad(model(x).sum(), x)
    by_lag = grad.abs().sum(0).flip(0)
    field = model.receptive_field
    assert field <= window and field == {16: 15, 40: 31, 100: 63, 200: 11}[window]
    assert bool(torch.all(by_lag[:field] > 0)) and bool(torch.all(by_lag[field:] == 0))


def test_the_shipped_cnn_stops_at_its_receptive_field_and_rnns_fade() -> None:
    fc = shipped_forecasters("co2")
    windows = held_out_windows(fc)[:40]
    field = fc.readers["cnn"].receptive_field
    grads = {r: gradient_by_lag(m, fc.prepared, windows) for r, m in fc.readers.items()}
    assert np.all(grads["cnn"][:, field:] == 0) and np.all(np.abs(grads["cnn"]).sum(0)[:field])
    for reader in ("lstm", "gru", "rnn"):
        assert np.abs(grads[reader][:, field:]).sum() > 0
    profile = reach_profile(grads["cnn"])
    assert profile[0] == 0 and reach(profile) < field


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_hidden_states_are_the_layers_own_steps(cell: str) -> None:
    fc = shipped_forecasters("elnino")
    model, window = fc.readers[cell], held_out_windows(fc)[5]
    states = hidden_states(model, fc.prepared, window)
    x = torch.from_numpy(fc.prepared.scaling.inputs(window[None]))
    by_hand = cell_steps(model.cell, x[:, :, None])["h"][0].numpy()
    assert states.shape == (fc.prepared.window, model.config.hidden)
    np.testing.assert_allclose(states, by_hand, atol=1e-5)
    out = float(model.head(torch.from_numpy(states[-1]))[0])
    assert out == pytest.approx(float(model(x)[0]), abs=1e-5)


def test_integrated_gradients_add_up_to_the_move_from_a_flat_past() -> None:
    fc = shipped_forecasters("sunspots")
    windows = held_out_windows(fc)[:8]
    for reader, model in fc.readers.items():
        ig = integrated_gradients(model, fc.prepared, windows, steps=64)
        x = torch.from_numpy(fc.prepared.scaling.inputs(windows))
        with torch.inference_mode():
            moved = (model(x) - model(torch.zeros_like(x))).double().numpy()
        moved *= fc.prepared.scaling.step_scale
        np.testing.assert_allclose(
            ig.sum(1), moved, atol=0.02 * np.abs(moved).max(), err_msg=reader
        )
        assert np.all(ig[:, 0] == 0)  # the last value is the flat past's own


def test_the_shipped_figures_are_reproduced_and_the_models_left_alone() -> None:
    """Held-out MAE recomputed from the shipped weights equals the metrics file's; every reader
    the file says beats the naive forecast does; analysing a shared model changes nothing."""
    metrics = training_metrics()["series"]
    for name in SHIPPED:
        fc = shipped_forecasters(name)
        before = {r: snapshot(m) for r, m in fc.readers.items()}
        one = heldout_one_step(fc)
        assert (
            len(one.targets)
            == metrics[name]["heldout"]
            == len(fc.values) - train_size(len(fc.values))
        )
        for method, mae in one.mae().items():
            assert mae == pytest.approx(metrics[name]["heldout_mae"][method], rel=1e-3), method
            ratio = metrics[name]["relative_to_naive"][method]
            assert (mae < one.mae()["naive"]) == (ratio < 1), method
        windows = held_out_windows(fc)[:4]
        for reader, model in fc.readers.items():
            gradient_by_lag(model, fc.prepared, windows)
            integrated_gradients(model, fc.prepared, windows, steps=4)
            hidden_states(model, fc.prepared, windows[0])
            assert_untouched(model, before[reader])
    assert all(metrics[n]["relative_to_naive"]["lstm"] < 1 for n in SHIPPED)


def test_forecasts_fed_back_agree_with_one_step_and_slice() -> None:
    fc = shipped_forecasters("elnino")
    origin = train_size(len(fc.values))
    long, short = multi_step(fc, origin, 30), multi_step(fc, origin, 5)
    one = heldout_one_step(fc)
    for method in fc.methods:
        np.testing.assert_allclose(long[method][:5], short[method], rtol=1e-6)
        assert long[method][0] == pytest.approx(one.forecasts[method][0], rel=1e-5), method
    assert np.all(long["naive"] == fc.values[origin - 1])
    np.testing.assert_array_equal(long["seasonal"][:24:12], fc.values[[origin - 12] * 2])
    ar = fit_linear_ar(fc.values[:origin], fc.ar.order)
    assert long["linear_ar"][1] == pytest.approx(
        ar.step(np.append(fc.values[:origin], long["linear_ar"][0])), rel=1e-9
    )


def test_flattening_the_distant_past_hurts_only_readers_that_look_that_far() -> None:
    fc = shipped_forecasters("co2")
    field = fc.readers["cnn"].receptive_field
    plain = heldout_one_step(fc).mae()
    assert distant_past_mae(fc, "cnn", field) == pytest.approx(plain["cnn"], rel=1e-6)
    assert distant_past_mae(fc, "linear_ar", fc.ar.order) == pytest.approx(plain["linear_ar"])
    assert distant_past_mae(fc, "cnn", 4) != pytest.approx(plain["cnn"], rel=1e-3)
    assert heldout_targets(len(fc.values))[0] == train_size(len(fc.values))


def test_the_forecast_verb_reproduces_a_shipped_series(capsys) -> None:
    assert main(["forecast", str(ROOT / "assets/series/sunspots.csv"), "--horizon", "10"]) == 0
    record = json.loads(capsys.readouterr().out)
    figures = training_metrics()["series"]["sunspots"]
    assert (record["values"], record["heldout"], record["readers"]) == (309, 62, "shipped")
    for method, mae in figures["heldout_mae"].items():
        assert record["heldout_mae"][method] == pytest.approx(mae, rel=1e-3)
    assert set(record["multi_step_mae"]) == set(figures["heldout_mae"])
    assert main(["forecast", str(ROOT / "assets/series/co2.csv")]) == 0
    assert "59 values of the source were missing" in capsys.readouterr().out


def test_the_forecast_verb_trains_on_a_short_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mine.csv"
    path.write_bytes(column(WAVE + np.random.default_rng(1).normal(0, 0.5, 100), "level"))
    assert main(["forecast", str(path), "--column", "level"]) == 0
    untrained = json.loads(capsys.readouterr().out)
    assert untrained["readers"] is None and set(untrained["heldout_mae"]) == {
        "naive",
        "seasonal",
        "linear_ar",
    }
    assert main(["forecast", str(path), "--train", "--epochs", "2"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["values"], record["heldout"], record["window"]) == (100, 20, 26)
    assert set(record["heldout_mae"]) == {"cnn", "lstm", "gru", "rnn", *untrained["heldout_mae"]}
    assert record["heldout_mae"]["naive"] == untrained["heldout_mae"]["naive"]


def test_the_forecast_verb_refuses_a_bad_file_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "photo.csv"
    bad.write_bytes(BAD_FILES["not a csv"][0])
    result = subprocess.run(
        [sys.executable, "-m", "models", "forecast", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: This is not a CSV file: it holds binary data, not text."
    ]
    assert main(["forecast", str(tmp_path / "missing.csv")]) == 1
    assert main(["forecast", str(bad), "--horizon", "0"]) == 2
