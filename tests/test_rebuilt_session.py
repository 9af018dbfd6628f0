"""A tab whose process died is rebuilt on another one, and the change it carried still counts.

The tab's first run on the new process often carries the visitor's last change (it is the run
their click asked for). Here one AppTest is the old process: the visitor's change is made in
it, but not run. A second AppTest is the new process, whose session is empty: its first run
gets the tab's address and every widget value the browser would send.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.harness.apptest import open_page
from bench.harness.paths import ROOT
from ui.common.pages import CNN, LSTM

RESTARTED = "The server restarted, so this page was rebuilt from its address."
SENTENCE = "the plot was thin but I did not mind at all"


def moved(old: AppTest, page: str) -> AppTest:
    """The tab's next run, on a process that has never seen its session."""
    new = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    new.query_params.update(old.query_params)  # the address the old process wrote last
    new.switch_page(page.script)
    new._run(widget_state=old._tree.get_widget_states())  # AppTest.run() sends no widget state
    assert not new.exception
    assert [info.value for info in new.info if info.value == RESTARTED] == [RESTARTED]
    return new


def test_a_model_chosen_in_the_run_that_moved_wins_over_the_address() -> None:
    old = open_page(LSTM, {"model": "gru", "text": SENTENCE})
    old.radio(key="lstm_model").set_value("lstm")
    new = moved(old, LSTM)
    assert new.radio(key="lstm_model").value == "lstm"
    assert "model" not in new.query_params  # the default model, as the page shows
    assert new.query_params["text"] == SENTENCE  # the sentence came from the address


def test_a_sentence_typed_in_the_run_that_moved_is_read_and_kept() -> None:
    old = open_page(LSTM, {"model": "gru", "text": SENTENCE})
    old.text_input(key="lstm_text").input("what a dull and pointless film")
    new = moved(old, LSTM)
    # The box's on_change made it the shared sentence, as on the old process.
    assert new.query_params["text"] == "what a dull and pointless film"
    assert new.text_input(key="lstm_text").value == "what a dull and pointless film"
    assert new.radio(key="lstm_model").value == "gru"  # the rest came from the address
    new.radio(key="lstm_model").set_value("lstm").run()  # and the next change counts too
    assert new.query_params["text"] == "what a dull and pointless film"
    assert "model" not in new.query_params


def test_upload_chosen_in_the_run_that_moved_wins_over_the_sample_in_the_address() -> None:
    old = open_page(CNN, {"sample": "coffee"})
    old.radio(key="cnn_source").set_value("Upload")
    new = moved(old, CNN)
    assert new.radio(key="cnn_source").value == "Upload"
    assert len(new.file_uploader) == 1
