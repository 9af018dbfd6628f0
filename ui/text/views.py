"""The LSTM page's views of one text: its tokens, the verdict, the animated states, one step up
close and the cell memory split by word."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from charts.memory import memory_figure
from charts.steps import movement_figure, next_char_figure, step_figure
from charts.theme import Theme
from charts.watch import WatchData, WatchView, colour_limit, watch_figure
from models.sequence.lstm_memory import memory_at_step
from models.sequence.registry import SequenceSpec
from models.sequence.state_analysis import (
    MovedUnit,
    movement,
    state_matrix,
    step_change,
    top_changed,
    top_moved_units,
)
from models.sequence.trace import ClassVerdict, SequenceTrace
from ui.cache.sequence import sequence_model, sequence_spec
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.pictures import crisp_pixels
from ui.common.sections import open_expander
from ui.common.state import (
    Param,
    keep,
    kept_value,
    lazy_choice,
    rewrite_address,
    show_bad_value,
    switch,
)
from ui.common.text import escape_markdown


def token_strip(trace: SequenceTrace, spec: SequenceSpec) -> str:
    """The tokens as plain text: words in [brackets], unknown tokens marked with '?'."""
    kind = spec.tokens
    pairs = zip(trace.tokens, trace.known, strict=True)
    return kind.joiner.join(
        f"[{token}?]" if not known else f"[{token}]" if kind.bracketed else token
        for token, known in pairs
    )


def show_tokens(trace: SequenceTrace, spec: SequenceSpec) -> None:
    unit = spec.tokens.noun
    if trace.truncated:
        st.warning(
            f"That text is long: the model read only its first {spec.max_tokens} "
            f"{unit}s, and everything below is about that part."
        )
    st.markdown(f"**What the model reads: {len(trace.tokens)} {unit}s**")
    # Plain text, never markdown (the tokens are the visitor's); st.code would load a 1.6 MB
    # syntax highlighter into a fresh browser to show it.
    st.text(token_strip(trace, spec), width="stretch")
    unknown = len(trace.known) - sum(trace.known)
    note = spec.tokens.note
    if spec.fresh_windows:
        window = sequence_model(spec.name).facts()["window"]
        note += f" The model re-reads the last {window} {unit}s for every guess."
    if unknown:
        note += (
            f" {unknown} marked with ? {'is' if unknown == 1 else 'are'} not in the model's "
            "vocabulary: it reads all such tokens as one and the same 'unknown' token."
        )
    st.caption(note)


def show_verdict(trace: SequenceTrace, spec: SequenceSpec) -> None:
    if spec.classifies:
        show_classes(trace)
        return
    columns = st.columns(3)
    tokens = trace.tokens
    if spec.scores_sentiment:
        score = trace.sentiment
        final = float(score[-1])
        mood = "positive" if final > 0.15 else "negative" if final < -0.15 else "mixed"
        low, high = int(np.argmin(score)), int(np.argmax(score))
        # No sparkline: the curve under the heatmap is this score's path, and a metric's chart
        # loads a 0.8 MB chart library into a fresh browser.
        columns[0].metric(
            "Final sentiment",
            f"{final:+.2f} ({mood})",
            border=True,
            help="The score after the last token, between −1 and +1; the curve under the "
            "heatmap is its path through the text.",
        )
        columns[1].metric(
            "Lowest point",
            f"{score[low]:+.2f}",
            f"after token {low + 1}: {escape_markdown(tokens[low])}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
        columns[2].metric(
            "Highest point",
            f"{score[high]:+.2f}",
            f"after token {high + 1}: {escape_markdown(tokens[high])}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
        return
    if not spec.guesses_next_char:
        return
    char, prob = trace.next_chars[-1][0]
    hits = [
        guesses[0][0] == actual
        for guesses, actual in zip(trace.next_chars[:-1], tokens[1:], strict=True)
    ]
    columns[0].metric(
        "Next character it expects",
        f"{escape_markdown(char)}  ({prob:.0%})",
        border=True,
    )
    if hits:
        columns[1].metric(
            "Top guess was right",
            f"{sum(hits)} of {len(hits)} times",
            f"{sum(hits) / len(hits):.0%} of the characters",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
    mean_prob = float(np.mean([guesses[0][1] for guesses in trace.next_chars]))
    columns[2].metric("Average confidence of its top guess", f"{mean_prob:.0%}", border=True)


def show_classes(trace: SequenceTrace) -> None:
    """A classifier's verdict: the class it gives the whole text, every class's probability (the
    config's names, as plain text in a table), and how its verdict came about token by token."""
    verdict = trace.verdict
    assert verdict is not None, "a classifier's trace has a verdict"
    name, probs = verdict.predicted_name, verdict.probs
    curve = verdict.curve()
    left, right = st.columns([2, 3])
    left.metric(
        "Its verdict on the whole text",
        f"{escape_markdown(name)} ({probs[verdict.predicted]:.0%})",
        border=True,
        help="The class with the highest probability, softmax of the model's own logits; the "
        "curve under the heatmap, where the model gives one, is that class's probability after "
        "every token.",
    )
    if curve is not None:
        low = int(np.argmin(curve))
        left.metric(
            f"Least sure of {escape_markdown(name)}",
            f"{curve[low]:.0%}",
            f"after token {low + 1}: {escape_markdown(trace.tokens[low])}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
    order = np.argsort(-probs, kind="stable")
    right.dataframe(
        [{"class": verdict.classes[k], "probability": float(probs[k])} for k in order],
        hide_index=True,
        width="stretch",
        height=min(36 * (len(order) + 1) + 2, 300),
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", min_value=0.0, max_value=1.0, format="percent"
            )
        },
        key="lstm_class_probs",
    )
    st.caption(escape_markdown(verdict.note[:1].upper() + verdict.note[1:] + "."))


def next_char_rows(trace: SequenceTrace) -> list[dict[str, object]]:
    """One row per character: what the model expected next, for a table (plain text, no HTML)."""
    if trace.next_chars is None:
        return []
    rows: list[dict[str, object]] = []
    for step, (token, predictions) in enumerate(
        zip(trace.tokens, trace.next_chars, strict=True), start=1
    ):
        actual = trace.tokens[step] if step < len(trace.tokens) else ""
        row: dict[str, object] = {"step": step, "after": token, "actually next": actual}
        for rank, (char, prob) in enumerate(predictions, start=1):
            row[f"guess {rank}"] = f"{char}  {prob:.0%}"
        rows.append(row)
    return rows


def watch_data(
    trace: SequenceTrace,
    state: str,
    layer: int,
    top_k: int = 3,
    backward: bool = False,
    verdict: ClassVerdict | None = None,
) -> WatchData:
    """What the heatmap draws: one state of one layer, the `top_k` units that changed most at
    every token (`backward`: from the token after it), and the curve under it (a classifier's:
    from its `verdict`)."""
    values = state_matrix(trace.layers[layer], state, backward)  # (T, H)
    return WatchData(
        values=values,
        moved=top_changed(values, top_k, backward),
        tokens=trace.tokens,
        known=trace.known,
        sentiment=trace.sentiment,
        next_chars=trace.next_chars,
        verdict=None if verdict is None else verdict.curve(),
        verdict_name="" if verdict is None else verdict.predicted_name,
    )


def show_watch(trace: SequenceTrace, spec: SequenceSpec, theme: Theme) -> int:
    """The animated heatmap; returns the chosen layer."""
    # What to show sits in the sidebar, so the heatmap fits the first screen under the text.
    state = st.sidebar.radio(
        "Show in the heatmap",
        list(spec.states),
        format_func=spec.states.get,
        key=state_key(spec.name),
        help=spec.state_help + "\n\n" + glossary_help("hidden state (h)", "cell state (c)", "gate"),
    )
    layer = 0
    if len(trace.layers) == 1:  # a layer from the address that this model does not have
        if asked := st.session_state.pop(kept_layer_key(spec.name), None):
            show_bad_value("the layer", str(asked + 1))
    else:
        box, kept = f"lstm_layer_{spec.name}", kept_layer_key(spec.name)
        kept_value(box, kept, 0, range(len(trace.layers)), "the layer", lambda n: str(n + 1))
        layer = st.sidebar.radio(
            spec.layer_heading,
            list(range(len(trace.layers))),
            format_func=spec.layer_label,
            horizontal=True,
            key=box,
            on_change=keep(box, kept),
        )
    backward = spec.reads_backward(layer)
    view = WatchView(
        label=spec.states[state],
        bounded=state in spec.bounded,
        unit_noun=spec.unit_noun,
    )
    crisp_pixels("lstm_watch")
    # The frames are built when the visitor asks to play: most visitors of a sentence never do.
    playable = st.session_state.get(PLAY_KEY, False)
    show_figure(
        watch_figure(
            watch_data(
                trace,
                state,
                layer,
                backward=backward,
                verdict=trace.verdict if spec.classifies else None,
            ),
            view,
            theme=theme,
            playable=playable,
        ),
        key="lstm_watch",
        alt=f"{view.label} of every {spec.unit_noun} (rows) after every token (columns) as a "
        f"heatmap, with the per-token curve below and a Play button",
    )
    st.toggle(
        "▶ Play it token by token",
        key=PLAY_KEY,
        help="Adds ▶ Play, ❚❚ Pause and a token slider to the heatmap.",
    )
    playing = (
        "Press **▶ Play**: the veil lifts one token at a time, the framed column is the token "
        "being read"
        if playable
        else "Turn on **▶ Play it token by token** to watch it read: the framed column is the "
        "last token"
    )
    st.caption(
        f"Columns are tokens, rows are {spec.unit_noun}s; red is positive, blue negative, "
        f"white 0 (for gates: white closed, red open). {playing}, and the arrows point at the "
        f"3 {spec.unit_noun}s that changed most at that token. {curve_sentence(trace, spec)} "
        "Hover over a column for its token."
    )
    if backward:
        st.caption(BACKWARD_NOTE)
    return layer


BACKWARD_NOTE = (
    "**This direction reads the text backwards**, from its last token to its first: its column "
    "at token t has read tokens t to the end, not the ones before. Play still lifts the veil "
    "from left to right, and the arrows point at the units that changed most from the column "
    "to the right (the token it read before)."
)


def curve_sentence(trace: SequenceTrace, spec: SequenceSpec) -> str:
    """What the curve under the heatmap is, in a sentence (markdown)."""
    if spec.classifies:
        verdict = trace.verdict
        assert verdict is not None, "a classifier's trace has a verdict"
        if verdict.curve() is None:
            return "There is no curve underneath: the model gives no verdict per token."
        return (
            f"The curve underneath is the probability of its final verdict, "
            f"*{escape_markdown(verdict.predicted_name)}*, after each {spec.tokens.noun}: what "
            "the model says of the text cut there."
        )
    lower = (
        "the running sentiment after each word"
        if spec.scores_sentiment
        else "how sure the model is of its top guess for the next character (the guess is "
        "written above each point)"
    )
    return f"The curve underneath is {lower}."


STEP_KEY, WANTED_STEP_KEY, LAST_STEP_KEY = "lstm_step", "lstm_step_wanted", "lstm_step_last"
PLAY_KEY = "lstm_play"  # the heatmap has frames and Play (built only when asked for)
CLOSE_UP_KEY = "lstm_close_up"  # "One step up close" is open (drawn only then)


def state_key(model: str) -> str:
    return f"lstm_state_{model}"


def kept_layer_key(model: str) -> str:
    return f"lstm_layer_kept_{model}"


def watch_address(model: Callable[[], str]) -> list[Param]:
    """What the address names of the heatmap and the step up close: the state shown (h, c or
    a gate), the layer (its spec's layer_key: "2", or "1_backward") and the token looked at (the
    last one is left out)."""

    def read_layer(value: str) -> bool:
        if (index := sequence_spec(model()).layer_index(value)) is None:
            return False
        st.session_state[kept_layer_key(model())] = index
        return True

    def current_layer() -> str | None:
        layer = st.session_state.get(kept_layer_key(model()), 0)
        return None if layer == 0 else sequence_spec(model()).layer_key(layer)

    def read_step(value: str) -> bool:
        if not (value.isdigit() and len(value) <= 6):
            return False
        st.session_state[WANTED_STEP_KEY] = int(value)
        st.session_state[CLOSE_UP_KEY] = True  # a link that names a token shows it up close
        return True

    def current_step() -> str | None:
        if not st.session_state.get(CLOSE_UP_KEY):
            return None  # the token is looked at only up close
        if (wanted := st.session_state.get(WANTED_STEP_KEY)) is not None:
            return str(wanted)  # asked for, not yet shown: the slider is drawn later in the run
        step = st.session_state.get(STEP_KEY)
        return None if step is None or step == st.session_state.get(LAST_STEP_KEY) else str(step)

    return [
        lazy_choice(
            "show",
            "the state",
            lambda: state_key(model()),
            lambda: list(sequence_spec(model()).states),
            lambda: next(iter(sequence_spec(model()).states)),
        ),
        Param(
            "layer",
            "the layer",
            read_layer,
            current_layer,
            forget=lambda: st.session_state.pop(kept_layer_key(model()), None),
        ),
        Param(
            "step",
            "the token",
            read_step,
            current_step,
            forget=lambda: st.session_state.pop("lstm_step_of", None),  # back to the last token
        ),
        switch("play", "playback", PLAY_KEY),
        switch("close_up", "the close-up", CLOSE_UP_KEY),
    ]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return "the" if n == 1 else f"the {n}{suffix}"


@st.fragment
def show_step(trace: SequenceTrace, spec: SequenceSpec, layer: int, theme: Theme) -> None:
    """One step up close, in an expander drawn only while it is open (its three charts and
    table are most of a new text's cost in the browser); reruns only this fragment and only
    reads the cached trace."""
    close_up = open_expander(
        "One step up close: the state token by token", key=CLOSE_UP_KEY, icon=":material/zoom_in:"
    )
    if close_up is not None:
        with close_up:
            show_step_inside(trace, spec, layer, theme)
    rewrite_address()  # this fragment reruns alone: its choices go in the address now


def show_step_inside(trace: SequenceTrace, spec: SequenceSpec, layer: int, theme: Theme) -> None:
    n_tokens = len(trace.tokens)
    steps = list(range(1, n_tokens + 1))
    # A new text starts at its last token (the slider's labels name tokens, so they change too),
    # unless the address asked for another.
    if st.session_state.get("lstm_step_of") != (trace.model, trace.text) or (
        STEP_KEY not in st.session_state  # the slider was not drawn while the expander was shut
    ):
        st.session_state["lstm_step_of"] = (trace.model, trace.text)
        st.session_state["lstm_step"] = n_tokens
    st.session_state[LAST_STEP_KEY] = n_tokens
    if (wanted := st.session_state.pop(WANTED_STEP_KEY, None)) is not None:
        st.session_state["lstm_step"] = n_tokens
        if wanted in steps:
            st.session_state["lstm_step"] = wanted
        else:
            show_bad_value("the token", str(wanted))
    step = st.select_slider(
        "Token to look at",
        steps,
        format_func=lambda t: f"{t}: {trace.tokens[t - 1]}",
        key=STEP_KEY,
    )
    h, backward = trace.layers[layer].h, spec.reads_backward(layer)
    moved, distance = top_moved_units(h, step, 5, backward), movement(h, backward)
    left, right = st.columns([3, 2])
    with left:
        show_figure(
            step_figure(
                *step_change(h, step, backward),
                [unit.unit for unit in moved],
                colour_limit(h, "h" in spec.bounded),
                unit_noun=spec.unit_noun,
                theme=theme,
                symbol=spec.symbol,
                backward=backward,
            ),
            key="lstm_step_state",
            alt=f"{spec.symbol} of every {spec.unit_noun} after token {step} as bars, and the "
            "change from the token before",
        )
    with right:
        show_step_numbers(trace, spec, distance, moved, step, theme, backward)
    st.markdown(f"**How far each token moved {spec.state_phrase}**")
    show_figure(
        movement_figure(distance, trace.tokens, step, theme, spec.symbol, backward),
        key="lstm_movement",
        alt=f"How far {spec.state_phrase} moved at every token, token {step} in a darker colour",
    )
    if spec.fresh_windows:
        window = sequence_model(spec.name).facts()["window"]
        st.caption(
            f"textgenrnn predicts each character from a fresh read of the {window} characters "
            "before it, so every column is a separate read, not one long memory: neighbouring "
            "columns differ by one character of input, and large moves show where it matters."
        )
    else:
        st.caption(spec.step_note)
    if spec.splits_memory(layer):
        show_memory(trace, layer, step, theme)


def show_step_numbers(
    trace: SequenceTrace,
    spec: SequenceSpec,
    distance: np.ndarray,
    top: list[MovedUnit],
    step: int,
    theme: Theme,
    backward: bool = False,
) -> None:
    """How far h moved at the step (`distance`: at every token), the units that moved most
    (`top`), and the next-character guesses. `backward`: the layer reads from the end."""
    n_tokens = len(trace.tokens)
    rank = int((distance > distance[step - 1]).sum()) + 1
    st.metric(
        f"How far {spec.state_phrase} moved at token {step}",
        f"{distance[step - 1]:.2f}",
        "the smallest move of the text"
        if rank == n_tokens > 1
        else f"{ordinal(rank)} biggest move of {n_tokens}",
        delta_color="off",
        delta_arrow="off",
        border=True,
        help=f"Length of {spec.symbol}_t − {spec.symbol}_(t+1); after the last token "
        f"{spec.symbol} is all zeros (this direction reads backwards)."
        if backward
        else f"Length of {spec.symbol}_t − {spec.symbol}_(t−1); before the first token "
        f"{spec.symbol} is all zeros.",
    )
    st.dataframe(
        [
            {
                spec.unit_noun: moved.unit,
                "before": round(moved.before, 3),
                "after": round(moved.after, 3),
                "change": round(moved.change, 3),
            }
            for moved in top
        ],
        hide_index=True,
        width="stretch",
        key="lstm_top_units",
    )
    st.caption(f"The 5 {spec.unit_noun}s that moved most at this token.")
    if spec.guesses_next_char:
        st.markdown("**Its top 5 guesses for the next character**")
        show_figure(
            next_char_figure(trace.next_chars[step - 1], theme),
            key="lstm_next_chars",
            alt="The five characters the model expects next, most likely first: "
            + ", ".join(f"{c!r} {p:.0%}" for c, p in trace.next_chars[step - 1]),
        )


def show_memory(trace: SequenceTrace, layer: int, step: int, theme: Theme) -> None:
    """The cell memory at `step` split into what each earlier token wrote and what is left."""
    states = trace.layers[layer]
    memory = memory_at_step(states["f"], states["i"], states["g"], step)
    share = memory.share_by_token()
    strongest = int(np.argmax(share[:-1])) if step > 1 else 0
    st.markdown(f"**What the memory holds at token {step}, word by word**")
    show_figure(
        memory_figure(share, memory.kept_by_token(), trace.tokens, step, theme),
        key="lstm_memory",
        alt=f"Each word's share of the cell memory after token {step} as bars, and how much of "
        "what it wrote is still kept as a line",
    )
    older = (
        f" Of the earlier words, *{escape_markdown(trace.tokens[strongest])}* "
        f"(token {strongest + 1}) still holds the most: {share[strongest]:.0%}."
        if step > 1
        else ""
    )
    st.caption(
        "The cell memory c is a sum: every word adds what its input gate lets in, and every "
        "later forget gate shrinks what is already there. Bars: each word's share of the "
        "memory now. Line: how much of what that word wrote has survived the forget gates "
        "since — older words fade unless the gates keep holding on to them." + older
    )
