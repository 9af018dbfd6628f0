"""The LSTM page's inspection sections: units, state-space path, attribution, pairs, downloads."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from charts.attribution import attribution_figure, pair_figure
from charts.path import state_path_figure
from charts.units import text_heat_figure, unit_lines_figure
from models.sequence.export import attribution_csv, trace_csv, trace_npz
from models.sequence.registry import SequenceSpec
from models.sequence.state_analysis import pair_distance
from models.sequence.trace import EmptyTextError, SequenceTrace
from models.sequence.unit_analysis import rank_units, top_examples
from ui.cache.sequence import sequence_trace
from ui.cache.sequence_deeper import attributions, cloud_sample, corpus_for, pca_for
from ui.common.downloads import download
from ui.common.figures import show_figure
from ui.common.glossary import explain, glossary_help
from ui.common.state import TEXT_LIMIT, cut_note
from ui.common.text import escape_markdown, plain
from ui.common.theme import current_theme

STATE_NAMES = {"h": "h · hidden state", "c": "c · cell memory"}


@st.fragment
def show_units(trace: SequenceTrace, spec: SequenceSpec) -> None:
    """Units ranked by how well they track a named property, their lines, their top examples."""
    st.subheader("Units that mean something", help=explain("correlation"))
    corpus = corpus_for(spec.name)
    left, middle, right = st.columns([2, 1, 2])
    prop = left.selectbox(
        "Rank the units by how closely they follow",
        list(corpus.properties),
        format_func=corpus.descriptions.get,
        key=f"units_property_{spec.name}",
    )
    state = middle.radio(
        "State",
        [s for s in ("h", "c") if s in corpus.states],
        format_func=STATE_NAMES.get,
        key=f"units_state_{spec.name}",
    )
    ranked = rank_units(corpus, state, prop, k=8)
    right.dataframe(
        [{"unit": unit.unit, "correlation r": round(unit.r, 3)} for unit in ranked],
        hide_index=True,
        height=180,
    )
    layer = len(trace.layers)
    st.caption(
        f"Pearson correlation, over {len(corpus.sentence):,} {spec.tokens.noun}s of the shipped "
        f"corpus ({len(corpus.texts)} held-out texts), between each unit's {state} and "
        f"*{corpus.descriptions[prop]}*; layer {layer} (the last). Near ±1: the unit follows it "
        "closely; near 0: it does not."
    )
    values = trace.layers[-1][state]
    chosen = st.multiselect(
        "Units to follow through your text",
        list(range(values.shape[1])),
        default=[unit.unit for unit in ranked[:3]],
        key=f"units_chosen_{spec.name}_{prop}_{state}",
        max_selections=8,
    )
    if not chosen:
        st.info("Pick at least one unit.")
        return
    show_figure(
        unit_lines_figure(values, chosen, trace.tokens, f"{state}, layer {layer}", current_theme()),
        key="units_lines",
        alt=f"The {state} value of units {', '.join(map(str, chosen))} after every token of "
        "your text",
    )
    unit = chosen[0]
    limit = float(max(np.abs(corpus.states[state][:, unit]).max(), 1e-6))
    st.markdown(f"**Your text coloured by unit {unit}** (red positive, blue negative)")
    show_figure(
        text_heat_figure(trace.tokens, values[:, unit], spec.tokens.per_line, limit),
        key="units_text",
        alt=f"Your text, each token coloured by unit {unit}'s value: red positive, blue negative",
    )
    st.markdown(f"**Where unit {unit} fires most in the corpus**")
    examples = top_examples(corpus, state, unit, k=spec.tokens.examples_shown)
    for number, example in enumerate(examples):
        if spec.tokens.examples_as_cells:
            show_figure(
                text_heat_figure(example.tokens, example.activations, spec.tokens.per_line, limit),
                key=f"units_example_{number}",
                alt=f"A corpus text coloured by unit {unit}, which peaks at {example.peak:+.2f}",
            )
        else:
            firing = example.activations >= 0.5 * example.peak
            words = [
                f"**{escape_markdown(token)}**" if fire else escape_markdown(token)
                for token, fire in zip(example.tokens, firing, strict=True)
            ]
            st.markdown(f"{example.peak:+.2f} · " + " ".join(words))
    st.caption("Bold: the words where the unit is at least half as active as at its peak.")


def show_path(trace: SequenceTrace, spec: SequenceSpec) -> None:
    st.subheader(
        "The path through state space",
        help=glossary_help("hidden state (h)", "principal components"),
    )
    corpus, fit = corpus_for(spec.name), pca_for(spec.name)
    prop = st.session_state.get(f"units_property_{spec.name}", next(iter(corpus.properties)))
    sample = cloud_sample(spec.name)
    cloud = fit.project(corpus.states["h"][sample])
    path = fit.project(trace.layers[-1].h)
    show_figure(
        state_path_figure(
            cloud,
            corpus.properties[prop][sample],
            prop,
            path,
            trace.tokens,
            (float(fit.explained[0]), float(fit.explained[1])),
            current_theme(),
        ),
        key="units_path",
        alt=f"The corpus's hidden states as a faint cloud on their two main directions, and "
        f"your text's path through them, one point per {spec.tokens.noun}",
    )
    st.caption(
        f"Each faint dot is the hidden state after one corpus {spec.tokens.noun}, coloured by "
        f"*{corpus.descriptions[prop]}*; the black path is your text, one point per "
        f"{spec.tokens.noun} (press ▶ Play to walk it). The two axes are the directions in which "
        f"the corpus's {corpus.states['h'].shape[1]}-number states vary most: together they hold "
        f"{fit.explained.sum():.0%} of that variation, so the picture is a shadow of the real "
        "space."
    )


def show_attribution(trace: SequenceTrace, spec: SequenceSpec) -> None:
    st.subheader(
        "Which words mattered", help=glossary_help("integrated gradients", "leave one word out")
    )
    ig, occ = attributions(spec.name, trace.tokens)
    show_figure(
        text_heat_figure(trace.tokens, ig.values, spec.tokens.per_line),
        key="attr_text",
        alt="Your text, each word coloured by its integrated-gradients share of the score: red "
        "pushed it up, blue down",
    )
    methods = {"integrated gradients": ig.values, "leave one word out": occ.values}
    show_figure(
        attribution_figure(trace.tokens, methods),
        key="attr_bars",
        alt="Each word's share of the final score as bars, by integrated gradients and by "
        "leaving the word out",
    )
    top_ig, top_occ = int(np.argmax(np.abs(ig.values))), int(np.argmax(np.abs(occ.values)))
    if top_ig != top_occ:
        one, other = (escape_markdown(trace.tokens[t]) for t in (top_ig, top_occ))
        st.info(
            f"The two methods point at different words here (*{one}* and *{other}*). They "
            "answer different questions: "
            "integrated gradients split the score along a path from an empty sentence to yours, "
            "so they credit what built the score; leaving one word out asks what that word "
            "adds once all the others are there, so a word whose job another word also does "
            "gets little.",
            icon=":material/lightbulb:",
        )
    if ig.completeness_error > 0.05:
        st.warning(
            f"On this text the integrated gradients miss their total by "
            f"{ig.completeness_error:.0%} even with {ig.steps} points on the path: the score "
            "jumps somewhere between the empty sentence and yours, so read their bars with "
            "care and trust *leave one word out* more."
        )
    target = escape_markdown(ig.target)  # an operator's class name may be in it
    st.caption(
        f"**Integrated gradients** split {target} {ig.score:+.3f} minus "
        f"{ig.baseline_of}, {ig.baseline:+.3f}, among the words: they add up to "
        f"{ig.values.sum():+.3f} (off by {ig.completeness_error:.2%}, {ig.steps} points on the "
        "path). **Leave one word out** "
        f"is how much {target} drops when that word is removed. The memory split above "
        "explains the cell memory c, not the output: a word can hold much of c and still "
        "matter little to the score."
    )
    download(
        st,
        "Attributions (CSV)",
        partial(attribution_csv, trace.tokens, methods),
        "attributions.csv",
        "text/csv",
        "attr_csv",
    )


def default_second(text: str) -> str:
    """The text without its first "not" (or with one added), for the two-sentence view."""
    words = text.split()
    lowered = [word.lower().strip(",.;:!?") for word in words]
    if "not" in lowered:
        del words[lowered.index("not")]
    elif len(words) > 2:
        words.insert(2, "not")
    return " ".join(words)


def show_pair(trace: SequenceTrace, spec: SequenceSpec) -> None:
    st.subheader("Two sentences side by side")
    key = "lstm_text_b"
    if st.session_state.get("lstm_text_b_of") != trace.text:
        st.session_state["lstm_text_b_of"] = trace.text
        st.session_state[key] = default_second(trace.text)
    second_text = st.text_input("A second text to compare (press Enter)", key=key)
    if len(second_text) > TEXT_LIMIT:
        st.info(cut_note(len(second_text)))
        second_text = second_text[:TEXT_LIMIT]
    second_text = plain(second_text)
    try:
        second = sequence_trace(spec.name, second_text)
    except EmptyTextError as error:
        st.info(str(error))
        return
    distance = pair_distance(trace.layers[-1].h, second.layers[-1].h)
    show_figure(
        pair_figure(
            (trace.tokens, trace.sentiment),
            (second.tokens, second.sentiment),
            distance,
            current_theme(),
        ),
        key="pair",
        alt="Both texts' running sentiment, and how far apart their hidden states are after "
        "the same number of words",
    )
    st.caption(
        "Both texts through the same model. Below: how far apart the two hidden states are "
        "after the same number of words; where the texts differ the gap opens, and how quickly "
        "it closes again shows how long the difference is remembered."
    )


def show_downloads(trace: SequenceTrace, spec: SequenceSpec) -> None:
    left, right = st.columns(2)
    download(
        left,
        "This trace as CSV (tokens, every state and gate, scores)",
        partial(trace_csv, trace, spec),
        "trace.csv",
        "text/csv",
        "trace_csv",
    )
    download(
        right,
        "This trace as NPZ (numpy arrays)",
        partial(trace_npz, trace, spec),
        "trace.npz",
        "application/octet-stream",
        "trace_npz",
    )
