"""The time-series page in AppTest: each shipped series' held-out table after the question, the
same numbers as the models give; the address; a horizon that redraws without running a model;
optional sections built only when opened; bad and hostile input shown as plain text; and a
visitor's pasted series trained through the server's one queue, stopped only by its owner."""

from __future__ import annotations

import time

import numpy as np
import pytest

import ui.cache.series
import ui.series.own
from bench.harness.apptest import open_page
from models.lessons import SEASON_CHOICES, season_in_reach
from models.series.data import SHIPPED
from models.series.forecast import heldout_one_step
from models.series.registry import shipped_forecasters
from serving.training import Run, TrainingRuns
from tests.helpers.apptest import charts, texts
from ui.common.pages import DIGITS, SERIES, TOUR
from ui.common.text import escape_markdown, inline_code

WAVE = np.round(np.sin(np.arange(120) / 4) * 10 + 50 + np.arange(120) / 10, 3)


def wait_done(run: Run, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not run.done:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def reveal(at, key: str, guess: int = 0):
    radio = at.radio(key=f"series_guess_{key}")
    radio.set_value(radio.options[guess]).run()
    at.button(key=f"series_reveal_{key}").click().run()
    assert not at.exception
    return at


def assert_table_is(at, found) -> None:
    table = at.dataframe[0].value
    assert list(table["MAE"]) == pytest.approx(list(found.mae().values()), rel=1e-12)
    ratios = found.relative_to_naive()
    assert list(table["÷ naive MAE"]) == pytest.approx(list(ratios.values()), rel=1e-12)


def test_each_shipped_series_reveals_the_models_held_out_errors() -> None:
    at = open_page(SERIES)
    for name in SHIPPED:
        at.radio(key="series_choice").set_value(name).run()
        assert not at.exception
        assert not at.dataframe  # the table waits for a guess and the reveal
        reveal(at, name)
        assert_table_is(at, heldout_one_step(shipped_forecasters(name)))
        said = " ".join(texts(at))
        assert "worse than copying the last one" in said  # seasonal naive, everywhere
    # Where a reader loses, the page says so: sunspots' CNN behind the AR, co2's plain RNN.
    at.radio(key="series_choice").set_value("sunspots").run()
    assert any("CNN beats the naive forecast but loses to the linear" in t for t in texts(at))
    at.radio(key="series_choice").set_value("co2").run()
    assert any("vanilla RNN beats the naive forecast but loses" in t for t in texts(at))


def test_the_address_carries_series_horizon_and_point() -> None:
    at = open_page(SERIES, {"series": "elnino", "horizon": "30", "point": "5"})
    assert at.radio(key="series_choice").value == "elnino"
    assert at.slider(key="series_horizon").value == 30
    assert "section" not in at.query_params  # "Look deeper" starts closed
    at.segmented_control(key="series_deeper").set_value("attribution").run()
    assert at.slider(key="series_point").value == 5
    assert at.query_params["point"] == "5" and at.query_params["series"] == "elnino"
    assert at.query_params["section"] == "attribution"
    at.slider(key="series_horizon").set_value(12).run()
    at.slider(key="series_point").set_value(9).run()
    assert not at.exception
    assert (at.query_params["horizon"], at.query_params["point"]) == ("12", "9")
    again = open_page(SERIES, dict(at.query_params))
    assert again.slider(key="series_horizon").value == 12
    assert again.radio(key="series_choice").value == "elnino"
    assert again.segmented_control(key="series_deeper").value == "attribution"
    assert "series_attribution" in charts(again)
    again.segmented_control(key="series_deeper").set_value(None).run()
    assert "section" not in again.query_params and "series_attribution" not in charts(again)


def test_a_horizon_redraws_without_running_a_model_and_sections_wait_to_be_opened(
    monkeypatch,
) -> None:
    calls: dict[str, int] = {}

    def counted(name: str):
        original = getattr(ui.cache.series, name)

        def call(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(ui.cache.series, name, call)

    for name in ("multi_step", "integrated_gradients", "hidden_states", "distant_past_mae"):
        counted(name)
    for cached in ("fed_back", "attributions", "states", "distant_past"):
        getattr(ui.cache.series, cached).clear()
    at = open_page(SERIES, {"series": "sunspots"})
    assert calls == {"multi_step": 1}  # no optional section was built
    assert not {"series_attribution", "series_states", "series_distant"} & set(charts(at))
    first = charts(at)["series_multi_step"]
    at.slider(key="series_horizon").set_value(40).run()
    at.slider(key="series_horizon").set_value(7).run()
    assert calls == {"multi_step": 1}
    drawn = charts(at)["series_multi_step"]
    assert drawn != first and len(drawn["data"][1]["x"]) == 7  # the truth over 7 steps
    for section, chart, model_call in (
        ("attribution", "series_attribution", "integrated_gradients"),
        ("states", "series_states", "hidden_states"),
        ("distant", "series_distant", "distant_past_mae"),
    ):
        at.segmented_control(key="series_deeper").set_value(section).run()
        assert not at.exception and chart in charts(at) and calls[model_call] >= 1


def own(at, how: str = "Upload a CSV file"):
    at.radio(key="series_choice").set_value("own").run()
    at.radio(key="series_own_how").set_value(how).run()
    return at


def upload(at, name: str, data: bytes):
    at.file_uploader(key="series_upload").upload(name, data, "text/csv").run()
    assert not at.exception
    return at


BAD = {
    "binary.csv": (b"\x89PNG\r\n\x1a\n" + bytes(200), "This is not a CSV file"),
    "few.csv": (("v\n" + "\n".join(map(str, range(20)))).encode(), "Only 20 values"),
    "flat.csv": (("v\n" + "7\n" * 80).encode(), "All 80 values are the same"),
}


def test_bad_files_get_their_message_and_the_page_keeps_working() -> None:
    at = own(open_page(SERIES))
    for name, (data, said) in BAD.items():
        upload(at, name, data)
        assert [e.proto.body for e in at.error] and said in at.error[0].proto.body, name
    at.radio(key="series_choice").set_value("co2").run()  # the rest of the page still works
    assert not at.exception and "series_whole" in charts(at)


HOSTILE = "**bold** <b>x</b> [link](http://evil.example) `tick`"


def test_hostile_names_columns_and_pasted_text_are_shown_as_plain_text() -> None:
    at = own(open_page(SERIES))
    rows = [f"{HOSTILE},b"] + [f"{v},{'oops' if i == 3 else v}" for i, v in enumerate(WAVE)]
    upload(at, f"{HOSTILE}.csv", "\n".join(rows).encode())
    assert any(inline_code(f"{HOSTILE}.csv") in t for t in texts(at))  # the file name, as code
    assert any(inline_code(HOSTILE) in t for t in texts(at))  # the column read, as code
    assert not any("**bold**" in t and "`" not in t for t in texts(at))
    refused = ["b,\n" + "\n".join(f"{v}" for v in WAVE[:70]) + "\n<b>hi</b>"]
    upload(at, "text.csv", refused[0].encode())
    body = at.error[0].proto.body
    assert body == escape_markdown(body.replace("\\", "")) and "\\<b\\>hi" in body
    own(at, "Paste numbers")
    at.text_area(key="series_paste_box").set_value("1 2 3 [x](http://evil.example)").run()
    assert "\\[x\\]\\(http" in at.error[0].proto.body
    assert not at.exception


def paste_and_train(at, values: np.ndarray, epochs: int):
    at.text_area(key="series_paste_box").set_value(" ".join(f"{v:g}" for v in values)).run()
    at.slider(key="series_epochs").set_value(epochs).run()
    at.button(key="series_train_go").click().run()
    assert not at.exception
    return at


def test_a_pasted_series_trains_in_the_queue_and_gets_the_same_views(monkeypatch) -> None:
    runs = TrainingRuns()
    monkeypatch.setattr(ui.series.own, "training_runs", lambda: runs)
    at = paste_and_train(own(open_page(SERIES), "Paste numbers"), WAVE, 2)
    run = runs.latest()
    assert run is not None and run.owner == at.session_state["train_visitor"]
    wait_done(run)
    assert run.error is None and run.result is not None
    at.run()
    assert not at.exception
    assert any(bar.proto.text.startswith("Finished") for bar in at.get("progress"))
    assert "series_training" in charts(at)
    reveal(at, f"run-{run.number}")
    assert_table_is(at, heldout_one_step(run.result))
    values = at.query_params["values"].split()
    assert np.array(values, float) == pytest.approx(WAVE)  # the pasted series is in the link
    assert at.query_params["series"] == "own"


def test_only_the_visitor_who_asked_stops_a_series_run(monkeypatch) -> None:
    runs = TrainingRuns()
    monkeypatch.setattr(ui.series.own, "training_runs", lambda: runs)
    long = np.round(np.sin(np.arange(500) / 6) * 10 + np.arange(500) / 50, 3)
    teacher = paste_and_train(own(open_page(SERIES), "Paste numbers"), long, 60)
    run = runs.latest()
    try:
        pupil = own(open_page(SERIES), "Paste numbers")
        pupil.text_area(key="series_paste_box").set_value(" ".join(f"{v:g}" for v in long)).run()
        pupil.slider(key="series_epochs").set_value(60).run()
        assert not pupil.exception
        assert not [b for b in pupil.button if b.key == "series_train_stop"]
        assert any("asked by another visitor" in t.value for t in pupil.text)
        assert [b for b in teacher.button if b.key == "series_train_stop"]
        assert not runs.stop(pupil.session_state["train_visitor"], run)
        teacher.button(key="series_train_stop").click().run()
        wait_done(run)
        assert run.stopped and run.result is None
    finally:
        runs.stop(run.owner, run)
        wait_done(run)


def test_the_tour_step_answers_from_the_co2_readers() -> None:
    at = open_page(TOUR, {"step": "9"})
    assert any("Step 9 of 11" in bar.proto.text for bar in at.get("progress"))
    at.radio(key="tour_guess_9").set_value(SEASON_CHOICES[1]).run()  # wrong: 63 weeks >= 52
    at.button(key="tour_reveal_9").click().run()
    assert not at.exception
    said = at.warning[0].proto.body
    mae = heldout_one_step(shipped_forecasters("co2")).mae()
    assert "it is **Yes" in said and "**63 weeks**" in said and "only 11 weeks" in said
    assert f"{mae['cnn']:.3f} ppm, the LSTM's {mae['lstm']:.3f}" in said
    assert "tour_series_field" in charts(at)
    assert season_in_reach(11, 52, 80) == SEASON_CHOICES[1]


def test_series_and_digits_runs_share_the_one_queue_and_the_digits_page_names_it(
    monkeypatch,
) -> None:
    import ui.digits.training_views
    from models.digits.training import TrainSettings
    from serving.series_training import series_job

    runs = TrainingRuns()
    monkeypatch.setattr(ui.digits.training_views, "training_runs", lambda: runs)
    long = np.round(np.sin(np.arange(500) / 6) * 10 + np.arange(500) / 50, 3)
    job = series_job(long, 38, 60)
    series = runs.ask("a", job.settings, job)
    digits = runs.ask("b", TrainSettings(epochs=1, hidden=16, train_limit=300))
    try:
        assert runs.current is series and runs.position(digits) == 1  # one at a time
        assert runs.ask("a", job.settings, job) is series  # one run per visitor
        at = open_page(DIGITS, {"section": "training"})
        wanted = f"Now: run no. {series.number} (the four series readers on a series of 500"
        assert any(wanted in text for text in texts(at)), texts(at)
        assert not [b for b in at.button if b.key == "train_stop"]  # not theirs
        runs.stop("a", series)
        wait_done(series)
        wait_done(digits)
        assert digits.state == "finished" and series.state == "stopped"
    finally:
        for run in (series, digits):
            runs.stop(run.owner, run)
            wait_done(run)
