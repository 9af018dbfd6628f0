"""AppTest of the home page: it runs and links to every page, the guided tour first."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.harness.paths import ROOT


def test_home_page_links_to_every_page() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Inside neural networks"
    links = {link.proto.page for link in at.get("page_link")}
    assert links == {
        "CNN_feature_maps",
        "LSTM_hidden_states",
        "CNN_vs_RNN",
        "digits",
        "time_series",
    }
    assert at.button[0].label.startswith("Start the guided tour")


def test_the_main_call_to_action_opens_the_guided_tour() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Guided tour"
    assert any("Step 1 of 11" in bar.proto.text for bar in at.get("progress"))
