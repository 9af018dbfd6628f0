"""Chart builders of the LSTM page, on hand-made traces whose every value is known."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from charts.memory import memory_figure
from charts.steps import movement_figure, next_char_figure, step_figure
from charts.theme import LIGHT, diverging_colours, diverging_pixels
from charts.tokens import display_token, tick_label
from charts.watch import WatchData, WatchView, colour_limit, watch_figure
from models.sequence.registry import LSTM_STATES
from models.sequence.state_analysis import movement, state_matrix, step_change, top_moved_units
from models.sequence.trace import LayerStates
from tests.helpers.pictures import data_uri_pixels
from tests.helpers.plotly_arrays import decode
from ui.text.views import next_char_rows, watch_data


@dataclass(frozen=True)
class FakeTrace:
    model: str
    text: str
    tokens: tuple[str, ...]
    known: tuple[bool, ...]
    layers: tuple[LayerStates, ...]
    sentiment: np.ndarray | None
    next_chars: tuple | None
    truncated: bool = False


def layer(n_tokens: int, n_units: int, seed: int = 0) -> LayerStates:
    rng = np.random.default_rng(seed)

    def values(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, (n_tokens, n_units)).astype(np.float32)

    return LayerStates(
        {
            "h": values(-1, 1),
            "c": values(-3, 3),
            "i": values(0, 1),
            "f": values(0, 1),
            "g": values(-1, 1),
            "o": values(0, 1),
        }
    )


def view(state: str = "h") -> WatchView:
    """How the page labels one LSTM state."""
    return WatchView(LSTM_STATES[state], state in BOUNDED, "hidden unit")


def watch(trace: FakeTrace, state: str = "h", layer: int = 0):
    """The heatmap of one state of one layer, as the page draws it."""
    return watch_figure(watch_data(trace, state, layer), view(state))


BOUNDED = {"h", "f", "i", "g", "o"}


def sentiment_trace(tokens: tuple[str, ...], n_units: int = 6) -> FakeTrace:
    n = len(tokens)
    return FakeTrace(
        model="lstm",
        text=" ".join(tokens),
        tokens=tokens,
        known=tuple(token != "zorp" for token in tokens),
        layers=(layer(n, n_units),),
        sentiment=np.linspace(-0.5, 0.8, n).astype(np.float32),
        next_chars=None,
    )


def char_trace(text: str = "hello") -> FakeTrace:
    n = len(text)
    guesses = tuple(
        (("a", 0.5), ("b", 0.2), ("<end>", 0.1), ("␣", 0.05), ("c", 0.01)) for _ in text
    )
    return FakeTrace(
        model="char",
        text=text,
        tokens=tuple(text),
        known=(True,) * n,
        layers=(layer(n, 4, 1), layer(n, 4, 2)),
        sentiment=None,
        next_chars=guesses,
    )


def spec(fig) -> dict:
    return json.loads(fig.to_json())


TOKENS = ("the", "film", "was", "not", "good", ",", "but", "the", "zorp")


def picture(fig: dict) -> np.ndarray:
    """The heatmap picture of a watch figure as an (rows, cols, 3) array."""
    uri = fig["layout"]["images"][0]["source"]
    assert uri.startswith("data:image/png;base64,")
    return data_uri_pixels(uri)


def test_diverging_pixels_are_the_values_on_a_scale_centred_at_zero() -> None:
    values = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, 3.0]], dtype=np.float32)  # (T=2, H=3)
    pixels = diverging_pixels(values, 1.0)
    assert pixels.shape == (3, 2, 3)  # units x tokens, unit 0 on the bottom row
    assert tuple(pixels[2, 0]) == (5, 48, 97)  # -1: darkest blue
    assert tuple(pixels[1, 0]) == (247, 247, 247)  # 0: white
    assert tuple(pixels[0, 0]) == (103, 0, 31)  # +1: darkest red
    assert tuple(pixels[0, 1]) == (103, 0, 31)  # 3 is clipped to the top of the scale
    assert tuple(pixels[2, 1]) == (229, 131, 104)  # +0.5: three quarters along the scale
    half = diverging_pixels(values, 2.0)  # a wider scale makes the same values paler
    assert int(half[2, 0].astype(int).sum()) > int(pixels[2, 0].astype(int).sum())


def test_the_figure_shows_the_chosen_state_with_a_centred_colour_bar() -> None:
    trace = sentiment_trace(TOKENS)
    for state in ("h", "c", "f", "dh"):
        fig = spec(watch(trace, state))
        values = state_matrix(trace.layers[0], state)
        limit = colour_limit(values, state in BOUNDED)
        image = fig["layout"]["images"][0]
        assert (image["sizex"], image["sizey"]) == (len(TOKENS), 6)
        shown = picture(fig)
        rows, cols = shown.shape[0] // 6, shown.shape[1] // len(TOKENS)
        assert shown.shape[:2] == (6 * rows, len(TOKENS) * cols)  # whole pixels per cell
        np.testing.assert_array_equal(shown[::rows, ::cols], diverging_pixels(values, limit))
        bar = fig["data"][0]["marker"]
        assert bar["showscale"] and bar["cmid"] == 0 and bar["cmin"] == -bar["cmax"] == -limit
    c = trace.layers[0]["c"]
    assert colour_limit(c, bounded=False) == pytest.approx(np.abs(c).max())
    assert colour_limit(c, bounded=True) == 1.0


def test_duplicate_tokens_keep_their_own_columns() -> None:
    fig = spec(watch(sentiment_trace(TOKENS)))
    columns = fig["data"][1]  # one hover point per token
    np.testing.assert_array_equal(decode(columns["x"]), np.arange(1, len(TOKENS) + 1))
    assert columns["text"][0].startswith("token 1: the<br>")
    assert columns["text"][7].startswith("token 8: the<br>")
    ticks = fig["layout"]["xaxis"]
    assert len(ticks["tickvals"]) == len(TOKENS)
    assert ticks["ticktext"][0] == ticks["ticktext"][7] == "the"
    assert "zorp?" in ticks["ticktext"][8] and "<i>" in ticks["ticktext"][8]  # unknown word


def test_one_frame_per_token_and_each_frame_is_small() -> None:
    trace = sentiment_trace(TOKENS)
    fig = spec(watch(trace))
    frames = fig["frames"]
    assert [frame["name"] for frame in frames] == [str(t) for t in range(1, len(TOKENS) + 1)]
    assert len(fig["layout"]["sliders"][0]["steps"]) == len(TOKENS)
    assert fig["layout"]["sliders"][0]["active"] == len(TOKENS) - 1
    labels = [button["label"] for button in fig["layout"]["updatemenus"][0]["buttons"]]
    assert any("Play" in label for label in labels)
    # Frame 4 ("not"): the cursor box spans column 4, the veil starts right after it, and the
    # marker on the curve sits at the 4th sentiment value.
    frame = frames[3]
    veil, box, arrows, _, point = frame["data"]
    assert min(decode(box["x"])) == 3.5 and max(decode(box["x"])) == 4.5
    assert min(decode(veil["x"])) == 4.5 and max(decode(veil["x"])) == len(TOKENS) + 0.5
    assert decode(point["y"])[0] == pytest.approx(trace.sentiment[3])
    h = trace.layers[0].h
    expected = np.argsort(-np.abs(h[3] - h[2]))[:3]
    np.testing.assert_array_equal(decode(arrows["y"]), expected)
    assert len(json.dumps(frame)) < 1500
    assert frame["traces"] == list(range(3, 8))
    redraws = [step["args"][1]["frame"]["redraw"] for step in fig["layout"]["sliders"][0]["steps"]]
    assert not any(redraws)


def test_a_200_token_figure_stays_far_below_a_megabyte() -> None:
    trace = sentiment_trace(tuple(f"w{n % 37}" for n in range(200)), n_units=128)
    size = len(watch(trace).to_json())
    assert size < 600_000, size
    ticks = spec(watch(trace))["layout"]["xaxis"]["tickvals"]
    assert len(ticks) <= 60 and ticks[0] == 1


def test_change_state_is_the_difference_from_the_previous_token() -> None:
    trace = sentiment_trace(TOKENS)
    h = trace.layers[0].h
    dh = state_matrix(trace.layers[0], "dh")
    np.testing.assert_allclose(dh[0], h[0])
    np.testing.assert_allclose(dh[5], h[5] - h[4])
    assert set(LSTM_STATES) == {"h", "c", "i", "f", "g", "o", "dh"}
    with pytest.raises(KeyError):
        state_matrix(trace.layers[0], "x")


def test_top_moved_units_are_the_largest_absolute_changes() -> None:
    h = np.array([[0.0, 0.1, 0.2, 0.0], [0.5, 0.1, -0.6, 0.05], [0.5, 0.9, -0.6, 0.0]])
    moved = top_moved_units(h, 2, k=2)
    assert [m.unit for m in moved] == [2, 0]
    assert moved[0].before == pytest.approx(0.2) and moved[0].after == pytest.approx(-0.6)
    assert moved[0].change == pytest.approx(-0.8)
    assert [m.unit for m in top_moved_units(h, 1, k=1)] == [2]  # from the zero start state
    assert [m.unit for m in top_moved_units(h, 3, k=1)] == [1]
    expected = [np.linalg.norm(h[0]), np.linalg.norm(h[1] - h[0]), np.linalg.norm(h[2] - h[1])]
    np.testing.assert_allclose(movement(h), expected, rtol=1e-6)
    with pytest.raises(IndexError):
        top_moved_units(h, 0)


def test_step_figure_shows_the_state_and_highlights_the_top_units() -> None:
    h = np.array([[0.0, 0.1, 0.2, 0.0], [0.5, 0.1, -0.6, 0.05]], dtype=np.float32)
    fig = spec(step_figure(*step_change(h, 2), [2, 0]))
    bars, before, change = fig["data"]
    np.testing.assert_allclose(decode(bars["y"]), h[1])
    np.testing.assert_allclose(decode(before["y"]), h[0])
    np.testing.assert_allclose(decode(change["y"]), h[1] - h[0])
    colours = change["marker"]["color"]
    assert colours[0] == colours[2] == LIGHT.ink and colours[1] == colours[3] != LIGHT.ink
    # h_t's bars take the heatmap's colours: white at 0, the deepest red and blue at ±1.
    assert bars["marker"]["color"][1] == diverging_colours(np.array([0.1]))[0]
    assert diverging_colours(np.array([-1.0, 0.0, 0.5, 1.0, 7.0])) == [
        "#053061",  # RdBu's ends and middle, as plotly's sample_colorscale gives them
        "#f7f7f7",
        "#e58368",
        "#67001f",
        "#67001f",  # clipped
    ]
    assert sorted(a["text"] for a in fig["layout"]["annotations"] if a["text"].isdigit()) == [
        "0",
        "2",
    ]


def test_movement_figure_marks_the_chosen_step() -> None:
    h = np.eye(3, dtype=np.float32)
    fig = spec(movement_figure(movement(h), ("a", "b", "c"), 2))
    bar = fig["data"][0]
    np.testing.assert_allclose(decode(bar["y"]), [1.0, np.sqrt(2), np.sqrt(2)], rtol=1e-6)
    assert bar["marker"]["color"][1] == LIGHT.ink and bar["marker"]["color"][0] != LIGHT.ink


def test_the_watch_figure_draws_the_values_and_units_it_is_given() -> None:
    values = np.array([[0.5, -0.5, 0.0, 1.0], [0.2, 0.1, -1.0, 0.0]], dtype=np.float32)
    moved = np.array([[3, 0], [1, 2]])  # not what the values would rank: the caller's choice
    data = WatchData(values, moved, ("a", "b"), (True, True), np.array([0.1, -0.4]), None)
    fig = spec(watch_figure(data, WatchView("x · a state", bounded=True)))
    shown = picture(fig)
    np.testing.assert_array_equal(
        shown[:: shown.shape[0] // 4, :: shown.shape[1] // 2], diverging_pixels(values, 1.0)
    )
    assert [list(decode(frame["data"][2]["y"])) for frame in fig["frames"]] == [[3, 0], [1, 2]]
    assert fig["data"][1]["text"][1].endswith("changed most: hidden units 1, 2")
    np.testing.assert_allclose(decode(fig["data"][2]["y"]), [0.1, -0.4], rtol=1e-6)


def test_step_figure_marks_the_units_and_the_reach_it_is_given() -> None:
    before = np.array([0.0, 0.5, -0.2], dtype=np.float32)
    after = np.array([0.9, 0.4, -0.2], dtype=np.float32)
    fig = spec(step_figure(before, after, [1], reach=2.0))  # unit 0 moved most, 1 is marked
    colours = fig["data"][2]["marker"]["color"]
    assert colours[1] == LIGHT.ink and colours[0] == colours[2] != LIGHT.ink
    assert fig["layout"]["yaxis"]["range"] == pytest.approx([-2.1, 2.1])
    assert [a["text"] for a in fig["layout"]["annotations"] if a["text"].isdigit()] == ["1"]


def test_memory_figure_draws_the_shares_and_what_is_kept() -> None:
    share, kept = np.array([0.25, 0.75], np.float32), np.array([0.5, 1.0], np.float32)
    bars, line = spec(memory_figure(share, kept, ("not", "good", "film"), 2))["data"]
    np.testing.assert_allclose(decode(bars["y"]), share)
    np.testing.assert_allclose(decode(line["y"]), kept)
    assert bars["marker"]["color"] == [LIGHT.warm, LIGHT.ink]  # the chosen step stands out


def test_char_trace_plots_the_top_guess_and_a_table_of_guesses() -> None:
    trace = char_trace("hey")
    fig = spec(watch(trace, "h", layer=1))
    np.testing.assert_array_equal(
        picture(fig)[:: picture(fig).shape[0] // 4, :: picture(fig).shape[1] // 3],
        diverging_pixels(trace.layers[1].h, 1.0),
    )
    curve = fig["data"][2]
    np.testing.assert_allclose(decode(curve["y"]), [0.5, 0.5, 0.5])
    assert curve["text"] == ["a", "a", "a"]
    rows = next_char_rows(trace)
    assert rows[0] == {
        "step": 1,
        "after": "h",
        "actually next": "e",
        "guess 1": "a  50%",
        "guess 2": "b  20%",
        "guess 3": "<end>  10%",
        "guess 4": "␣  5%",
        "guess 5": "c  1%",
    }
    assert rows[-1]["actually next"] == ""
    bars = spec(next_char_figure(trace.next_chars[0]))["data"][0]
    assert bars["y"][-1] == "‘a’" and bars["y"][2] == "‘&lt;end&gt;’"
    assert next_char_rows(sentiment_trace(TOKENS)) == []


def test_user_text_is_escaped_for_plotly() -> None:
    assert display_token("<script>") == "&lt;script&gt;"
    assert display_token("a&b") == "a&amp;b"
    assert display_token("x" * 40).endswith("…") and len(display_token("x" * 40)) == 14
    assert display_token("\x07") == "·"
    trace = sentiment_trace(("<b>", "<script>", "alert", "(", "1", ")"))
    text = watch(trace).to_json()
    assert "<script>" not in text and "<b>" not in text
    assert "\\u003cscript\\u003e" not in text
    assert tick_label("<b>", False).count("&lt;b&gt;") == 1
