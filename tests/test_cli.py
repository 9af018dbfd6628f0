"""The command line: `python -m models predict|maps`, one JSON line per result.

The verbs run in this process (`main(argv)`, its output read with capsys): a process of its own
costs a torch import. One test runs the real `python -m models` in a process: the whole corpus
of bad files through `predict`, its exit status and its stderr as a shell sees them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import models.cli
from bench.harness.paths import ROOT, SAMPLES
from bench.quick_profile import KEY, expected_rows, problems
from models.cli import main, profile
from models.cnn.registry import load_cnn
from models.compare.profiling import Measurement, ProfilePlan, run_profile
from models.compare.report import profile_report
from models.digits.data import digit_set
from models.sequence.registry import load_sequence_model
from tests.helpers.bad_inputs import TEXT_CASES, image_cases, write_images
from tests.helpers.frozen import assert_untouched, snapshot
from tests.helpers.profile_plan import SMALL_PLAN


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "models", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )


def test_predict_takes_the_whole_bad_input_corpus_in_one_call(tmp_path: Path) -> None:
    """Refused files: one line each on stderr, naming the file and why; the others print JSON,
    in the order given; the exit status says something failed."""
    paths = {name: str(path) for name, path in write_images(tmp_path).items()}
    coffee, chelsea = str(SAMPLES / "coffee.jpg"), str(SAMPLES / "chelsea.jpg")
    result = run_cli("predict", coffee, *paths.values(), chelsea, "--top", "3")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    errors = result.stderr.strip().splitlines()
    cases = image_cases()
    analysed = [paths[case.name] for case in cases if case.analysed]
    assert [record["image"] for record in records] == [coffee, *analysed, chelsea]
    assert len(errors) == sum(1 for case in cases if case.refused)
    by_image = {record["image"]: record for record in records}
    for case in cases:
        said = [line for line in errors if line.startswith(f"error: {paths[case.name]}: ")]
        if case.refused:
            assert len(said) == 1 and all(word in said[0] for word in case.refused), case.name
            continue
        assert not said, said
        top = by_image[paths[case.name]]["top"]
        probs = [item["prob"] for item in top]
        assert len(top) == 3 and probs == sorted(probs, reverse=True), case.name
        if case.top:
            assert top[0]["label"] in case.top and probs[0] >= case.sure, (case.name, top)
    assert by_image[coffee]["model"] == "squeezenet1_1"
    first = by_image[coffee]["top"][0]
    assert first == {"index": 967, "label": "espresso", "prob": first["prob"]}
    assert first["prob"] > 0.9
    assert all(281 <= item["index"] <= 285 for item in by_image[chelsea]["top"])


def test_sentiment_takes_every_corpus_text_in_one_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Empty texts: one line each on stderr; the others print JSON, in the order given."""
    in_file = [case for case in TEXT_CASES if "\0" in case.text]  # argv cannot hold a NUL
    in_argv = [case for case in TEXT_CASES if case not in in_file]
    assert not any("\n" in case.text for case in in_file)
    texts = tmp_path / "texts.txt"
    texts.write_text("".join(case.text + "\n" for case in in_file), encoding="utf-8")
    with warnings.catch_warnings():  # a warning would be a line on a shell's stderr
        warnings.simplefilter("error")
        status = main(["sentiment", *(case.text for case in in_argv), "--file", str(texts)])
    out, err = capsys.readouterr()
    assert status == 1 and "Traceback" not in err
    records = [json.loads(line) for line in out.splitlines()]
    readable = [case for case in [*in_argv, *in_file] if not case.empty]
    assert [record["text"] for record in records] == [case.text for case in readable]
    for case, record in zip(readable, records, strict=True):
        assert len(record["scores"]) == len(record["tokens"]) > 0, case.name
        assert (len(record["tokens"]) == 200) == case.long, case.name  # the reader's limit
        assert all(-1 <= score <= 1 for score in record["scores"])
        assert record["final"] == record["scores"][-1]
    assert err.strip().splitlines() == [
        f"error: {case.text!r}: Type some text first: there is nothing to read."
        for case in in_argv
        if case.empty
    ]


def test_predict_with_efficientnet(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["predict", str(SAMPLES / "coffee.jpg"), "--model", "efficientnet_lite0"])
    assert status == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model"] == "efficientnet_lite0"
    assert record["top"][0]["label"] == "espresso" and len(record["top"]) == 5


def test_maps_writes_png_grid_and_raw_array(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["maps", str(SAMPLES / "chelsea.jpg"), "--model", "squeezenet1_1",
                   "--layer", "fire9", "--out", str(tmp_path / "out")])  # fmt: skip
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shape"] == [512, 13, 13]
    raw = np.load(summary["npy"])
    assert raw.shape == (512, 13, 13) and raw.dtype == np.float32 and raw.min() >= 0
    grid = Image.open(summary["png"])
    # 512 channels in a 23-column grid of 13-pixel tiles with 1-pixel gaps.
    assert grid.size == (23 * 14 - 1, 23 * 14 - 1)


def test_maps_rejects_an_unknown_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["maps", str(SAMPLES / "chelsea.jpg"), "--layer", "fire99", "--out", str(tmp_path)]
    )
    assert status == 2
    error = capsys.readouterr().err
    assert "fire99" in error and "conv1" in error and "conv10" in error
    assert not list(tmp_path.iterdir())


def test_sentiment_scores_each_text_and_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text(
        "The film was not good, but the ending was wonderful\n\nI love it 😍\n", encoding="utf-8"
    )
    status = main(["sentiment", "good", "not good", "--file", str(texts)])
    captured = capsys.readouterr()
    assert status == 1  # the blank line in the file is reported, the others still print
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["text"] for r in records] == [
        "good",
        "not good",
        "The film was not good, but the ending was wonderful",
        "I love it 😍",
    ]
    good, not_good, film, love = records
    assert good["tokens"] == ["good"] and good["final"] > 0.2
    assert not_good["tokens"] == ["not", "good"] and not_good["final"] < 0
    assert len(film["scores"]) == len(film["tokens"]) == 11
    assert film["scores"][4] < 0 < film["final"]  # falls at "not good", rises at "wonderful"
    assert film["final"] == film["scores"][-1]
    assert all(-1 <= score <= 1 for r in records for score in r["scores"])
    assert love["final"] > 0.2
    assert "''" in captured.err and "Traceback" not in captured.err


def test_sentiment_without_text_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sentiment"]) == 2
    assert "at least one TEXT" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["gru", "rnn", "cnn1d"])
def test_sentiment_with_another_reader(model: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sentiment", "--model", model, "a wonderful film", "an awful film"]) == 0
    good, bad = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert good["tokens"] == ["a", "wonderful", "film"]
    assert good["final"] > 0 > bad["final"]
    assert len(good["scores"]) == 3


def test_summary_lists_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary"]) == 0
    rows = {row["model"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert list(rows) == [
        "squeezenet1_1",
        "efficientnet_lite0",
        "lstm",
        "gru",
        "rnn",
        "cnn1d",
        "char",
    ]
    keys = {"model", "family", "params", "macs", "macs_per", "sequential_steps", "receptive_field"}
    assert all(keys <= set(row) for row in rows.values())
    assert rows["squeezenet1_1"]["params"] == 1_235_496
    assert rows["squeezenet1_1"]["macs_per"] == "image" and rows["squeezenet1_1"]["family"] == "cnn"
    assert rows["squeezenet1_1"]["receptive_field"] == 207
    assert rows["lstm"]["macs"] == 4 * (64 * 128 + 128 * 128) + 128
    assert rows["gru"]["macs"] == 3 * (64 * 128 + 128 * 128) + 128
    assert rows["rnn"]["macs"] == 64 * 128 + 128 * 128 + 128
    assert rows["cnn1d"]["macs"] == 5 * 64 * 128 + 5 * 128 * 128 + 128
    assert rows["lstm"]["sequential_steps"] == "T" and rows["lstm"]["receptive_field"] is None
    assert rows["cnn1d"]["sequential_steps"] == 2 and rows["cnn1d"]["receptive_field"] == 9
    assert rows["char"]["receptive_field"] == 40


def test_a_profile_prints_every_measurement_of_its_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert profile(SMALL_PLAN) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert problems(rows, SMALL_PLAN) == []
    assert {row["model"] for row in rows} == {
        "squeezenet1_1", "efficientnet_lite0", "lstm", "gru", "rnn", "cnn1d"
    }  # fmt: skip
    lstm = [(r["size"], r["batch"], r["what"]) for r in rows if r["model"] == "lstm"]
    assert lstm == [
        (4, 1, "forward"), (8, 1, "forward"), (16, 1, "forward"),
        (8, 3, "forward"), (8, 3, "singles"), (8, 2, "train step"),
    ]  # fmt: skip
    assert all(row["seconds"] > 0 for row in rows)
    # A report of these rows reads one exponent per model and one speed-up per batch.
    report = profile_report([Measurement(**row) for row in rows], SMALL_PLAN)
    assert set(report.tokens.exponents) == {"lstm", "gru", "rnn", "cnn1d"}
    assert set(report.batch_speedup) == {row["model"] for row in rows}


def test_the_problems_of_a_profile_are_found() -> None:
    rows = [dict(zip(KEY, key, strict=True), seconds=0.01) for key in expected_rows(SMALL_PLAN)]
    assert problems(rows, SMALL_PLAN) == []
    assert problems(rows[:-1], SMALL_PLAN)  # a row missing
    assert problems([*rows[:3], {**rows[3], "seconds": 0.0}, *rows[4:]], SMALL_PLAN)
    assert problems([*rows[:3], {**rows[3], "extra": 1}, *rows[4:]], SMALL_PLAN)
    assert problems(rows, ProfilePlan.quick())  # another plan's rows


def test_profile_runs_the_quick_or_the_full_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen: list[ProfilePlan] = []
    monkeypatch.setattr(models.cli, "profile", lambda plan: chosen.append(plan) or 0)
    assert main(["profile", "--quick"]) == 0 and main(["profile"]) == 0
    assert chosen == [ProfilePlan.quick(), ProfilePlan.full()]
    quick = chosen[0]
    assert quick.token_lengths == (8, 32, 128) and quick.image_sides == (64, 128, 256)
    assert (quick.batch, quick.train_batch, quick.repeats) == (64, 32, 3)


def test_a_profile_trains_a_copy_and_leaves_the_shared_models_as_they_were() -> None:
    cnn, reader = load_cnn("squeezenet1_1"), load_sequence_model("gru")
    before = [snapshot(cnn), snapshot(reader)]
    rows = [m for _, m in run_profile({"squeezenet1_1": cnn}, {"gru": reader}, SMALL_PLAN)]
    assert [m.what for m in rows if m.model == "gru"][-1] == "train step"
    assert_untouched(cnn, before[0])
    assert_untouched(reader, before[1])


@pytest.mark.parametrize("method", ["ig", "occlusion"])
def test_attribute_prints_one_number_per_token(
    method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("a wonderful film\n\n", encoding="utf-8")
    status = main(["attribute", "not good at all", "--file", str(texts), "--method", method])
    captured = capsys.readouterr()
    assert status == 1  # the blank line is reported; the others print
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["text"] for r in records] == ["not good at all", "a wonderful film"]
    for record in records:
        assert set(record) == {"text", "tokens", "attribution", "final"}
        assert len(record["attribution"]) == len(record["tokens"])
    assert records[0]["attribution"][0] < 0  # "not" pulls the score down
    wonderful = records[1]["attribution"][1]
    assert wonderful == max(records[1]["attribution"])
    assert "Traceback" not in captured.err and "''" in captured.err


def test_explain_prints_the_peak_in_photo_pixels_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coffee = str(SAMPLES / "coffee.jpg")
    status = main(["explain", coffee, str(tmp_path / "missing.jpg"), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert status == 1 and "missing.jpg" in captured.err and "Traceback" not in captured.err
    (record,) = [json.loads(line) for line in captured.out.splitlines()]
    assert record["label"] == "espresso" and record["method"] == "cam"
    assert record["layer"] == "conv10"
    x, y = record["peak"]
    assert 0 <= x < 600 and 0 <= y < 400  # coffee.jpg is 600×400
    heat = np.load(record["npy"])
    assert heat.shape == (400, 600)
    assert Image.open(record["png"]).size == (600, 400)
    row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
    assert abs(col - x) < 40 and abs(row - y) < 40  # the written map peaks where it says


def test_explain_gradcam_at_a_layer_for_a_chosen_class(capsys: pytest.CaptureFixture[str]) -> None:
    chelsea = str(SAMPLES / "chelsea.jpg")
    args = ["explain", chelsea, "--method", "gradcam", "--layer", "block12", "--class", "967"]
    assert main([*args, "--model", "efficientnet_lite0"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["class"], record["layer"], record["label"]) == (967, "block12", "espresso")
    assert main(["explain", chelsea, "--layer", "fire99"]) == 2
    assert "fire99" in capsys.readouterr().err


def test_digits_reads_pictures_of_any_kind_and_reports_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = digit_set()
    index = int(data.test[3])
    big = np.kron(data.images[index], np.ones((5, 5), dtype=np.uint8))
    Image.fromarray(255 - big).save(tmp_path / "on_paper.png")  # dark ink on white
    transparent = Image.new("RGBA", big.shape[::-1], (0, 0, 0, 0))
    transparent.putalpha(Image.fromarray(big))  # black strokes held in the alpha channel
    transparent.save(tmp_path / "canvas.png")
    (tmp_path / "broken.png").write_bytes(b"no picture here")
    paths = [str(tmp_path / name) for name in ("on_paper.png", "canvas.png", "broken.png")]
    with warnings.catch_warnings():  # a warning would be a line on a shell's stderr
        warnings.simplefilter("error")
        status = main(["digits", *paths, "--model", "gru"])
    out, err = capsys.readouterr()
    assert status == 1 and "broken.png" in err
    assert "Traceback" not in err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["image"] for r in records] == paths[:2]
    for record in records:
        assert record["model"] == "gru" and record["digit"] == int(data.labels[index])
        assert len(record["probs"]) == 10 and abs(sum(record["probs"]) - 1) < 1e-4
        assert len(record["after_rows"]) == 28 and record["after_rows"][-1] == record["digit"]
    assert main(["digits", paths[0]]) == 0
    cnn = json.loads(capsys.readouterr().out)
    assert cnn["model"] == "cnn" and cnn["after_rows"] is None
