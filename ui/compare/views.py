"""The CNN-vs-RNN page's sections: four readers on one sentence, what each model can see, time
against input size, costs, the articles' claims, and a photo beside a sentence."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
import torch

from charts.compare import (
    bars_figure,
    gradient_figure,
    growth_figure,
    negation_gap_figure,
    receptive_field_figure,
    running_scores_figure,
)
from charts.theme import Theme
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.compare.claims import Evidence, check_claims, model_roles
from models.compare.comparison import cnn_receptive_fields
from models.compare.negation_gap import PAIRS_PER_GAP
from models.compare.profiling import ProfilePlan
from models.compare.report import ProfileReport
from models.sequence.registry import DEFAULT_SEQUENCE, SENTIMENT_READERS
from models.sequence.trace import EmptyTextError
from ui.cache.cnn import cnn_trace
from ui.cache.compare import (
    CORPUS_PARAGRAPHS,
    CORPUS_WORDS,
    corpus_gradients,
    measure_profile,
    model_styles,
    negation_table,
    profile_store,
    reader_accuracy,
    readers,
    sentence_gradients,
    summaries,
)
from ui.cache.digits import digit_epoch_seconds
from ui.cache.sequence import sequence_trace
from ui.common.figures import show_figure
from ui.common.glossary import explain, glossary_help
from ui.common.pages import CNN
from ui.common.pictures import show_stage_pictures
from ui.common.sections import open_expander
from ui.common.state import loaded_photo, shared_photo
from ui.common.text import escape_markdown
from ui.common.theme import current_theme

VERDICTS = {"supported": "✓ supported", "not supported": "✗ not supported", "depends": "± depends"}


def percent(share: float) -> str:
    return f"{share * 100:.2g}%"


def size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.1f} KB"


def show_readers(text: str, theme: Theme) -> tuple[str, ...] | None:
    """Four readers on the same sentence; returns its tokens (None when there are none)."""
    st.header("1 · One sentence, four readers")
    try:
        traces = {name: sequence_trace(name, text) for name in SENTIMENT_READERS}
    except EmptyTextError as error:
        st.info(str(error))
        return None
    first = traces[SENTIMENT_READERS[0]]
    tokens = first.tokens
    if first.truncated:
        st.warning(f"That text is long: the readers read only its first {len(tokens)} words.")
    styles = model_styles()
    scores = {name: trace.sentiment for name, trace in traces.items()}
    show_figure(
        running_scores_figure(tokens, scores, styles, theme),
        key="cmp_scores",
        alt="Each reader's running sentiment after every word of your sentence; final scores: "
        + ", ".join(f"{styles[n].label} {float(v[-1]):+.2f}" for n, v in scores.items()),
    )
    accuracy = reader_accuracy()
    st.dataframe(
        [
            {
                "reader": styles[name].label,
                "final score": round(float(scores[name][-1]), 3),
                "lowest point": round(float(scores[name].min()), 3),
                "highest point": round(float(scores[name].max()), 3),
                "held-out accuracy": f"{accuracy[name]:.1%}",
            }
            for name in SENTIMENT_READERS
        ],
        hide_index=True,
        key="cmp_final_scores",
    )
    finals = [float(scores[name][-1]) for name in SENTIMENT_READERS]
    split = max(finals) > 0.15 and min(finals) < -0.15
    st.caption(
        "Same words, same training data, same output layer: only the layer that carries "
        "information along the sentence differs. "
        + (
            "**They disagree on this sentence**: some end positive, some negative."
            if split
            else "On this sentence they agree on the overall direction."
        )
    )
    show_negation_reach(theme)
    return tokens


def show_negation_reach(theme: Theme) -> None:
    st.subheader("How far back does a 'not' still count?")
    conv = model_roles().conv_reader
    window = readers()[conv].config.window
    figure = negation_gap_figure(negation_table(), model_styles(), {conv: window}, theme)
    show_figure(
        figure,
        key="cmp_gap",
        alt="How much a 'not' still moves each reader's verdict, against the number of words "
        "between the 'not' and the word it negates",
    )
    st.caption(
        f"{PAIRS_PER_GAP} sentence pairs per gap, such as *the movie was (not) as far as i can "
        "tell good .*, with only neutral words between *not* and the word it negates. The curve "
        "is how much the *not* still moves the final score: large while the reader remembers "
        f"it, 0 once it has forgotten. The {model_styles()[conv].label}'s score sees only the "
        f"last {window} words, so past the dotted line its curve is exactly 0."
    )


def show_reach(tokens: tuple[str, ...] | None, theme: Theme) -> dict[str, np.ndarray]:
    """What each model can see; returns the corpus's median gradient by distance per reader."""
    st.header("2 · What each model can see")
    left, right = st.columns(2)
    with left:
        show_cnn_fields()
    with right:
        st.subheader(
            "An RNN: every earlier word, in principle",
            help=glossary_help("gradient", "vanishing gradient"),
        )
        if tokens is not None:
            show_sentence_gradients(tokens)
    return show_corpus_gradients()


def show_cnn_fields() -> None:
    st.subheader("A CNN: a window that grows with depth", help=explain("receptive field"))
    fields = cnn_receptive_fields()
    sides = {name: spec.input_size for name, spec in CNN_MODELS.items()}
    figure = receptive_field_figure(fields, model_styles(), sides)
    show_figure(
        figure,
        key="cmp_fields",
        alt="Receptive field in pixels of every stage of both CNNs on a log scale, growing "
        "with depth; dotted lines mark each input's size",
    )
    last = ", ".join(f"{CNN_MODELS[name].title}'s {rows[-1][1]}" for name, rows in fields.items())
    st.caption(
        "How many pixels (on a side) one unit of each stage can see, computed from the "
        "kernels, strides and padding. Stride-2 layers double the step between units, so the "
        f"window grows faster and faster: the last stage sees {last} pixels (more than the "
        "image: the edges fall on padding). Pooling over the whole map then gives the class "
        "scores."
    )


def show_sentence_gradients(tokens: tuple[str, ...]) -> None:
    st.markdown("**On your sentence**")
    curves = sentence_gradients(tokens)
    figure = gradient_figure(curves, model_styles())
    show_figure(
        figure,
        key="cmp_sentence_gradients",
        alt="How much each earlier word of your sentence can still move each reader's final "
        "score, by words back from the last word, on a log scale",
    )
    conv = model_roles().conv_reader
    window = readers()[conv].config.window
    hidden = max(0, len(tokens) - window)
    dead = int((curves[conv][:window] == 0).sum())
    inside = (
        f" Here it is 0 for {dead} word{'' if dead == 1 else 's'} inside its window too: every "
        "channel of its last layer is switched off (ReLU) at the last word."
        if dead
        else ""
    )
    st.caption(
        "How much each earlier word can still move the final score (the size of its "
        f"gradient). The {model_styles()[conv].label}'s is exactly 0 for the {hidden} word"
        f"{'' if hidden == 1 else 's'} more than {window - 1} back, whatever the weights; a "
        f"recurrent reader's is not.{inside}"
    )
    plain = model_roles().plain_rnn
    curve = curves[plain]
    if len(tokens) > 1 and curve[-1] >= 0.2 * curve[0]:
        st.info(
            f"On this sentence the {model_styles()[plain].label}'s gradient at the first word is "
            f"still {curve[-1] / max(curve[0], 1e-30):.0%} of its size at the last: over "
            f"{len(tokens)} words it need not shrink. The vanishing gradient shows over long "
            f"distances: see the {CORPUS_WORDS}-word paragraphs below.",
            icon=":material/lightbulb:",
        )


def show_corpus_gradients() -> dict[str, np.ndarray]:
    roles, styles = model_roles(), model_styles()
    quantiles = corpus_gradients()
    corpus = {name: q[1] for name, q in quantiles.items()}  # the medians
    bands = {name: (q[0], q[2]) for name, q in quantiles.items() if name != roles.conv_reader}
    st.markdown(f"**Over {CORPUS_PARAGRAPHS} paragraphs of {CORPUS_WORDS} words**")
    figure = gradient_figure(corpus, styles, bands=bands)
    show_figure(
        figure,
        key="cmp_corpus_gradients",
        alt=f"Median gradient by words back over {CORPUS_PARAGRAPHS} paragraphs of "
        f"{CORPUS_WORDS} words, on a log scale; the {styles[roles.plain_rnn].label}'s falls "
        "furthest",
    )
    far = CORPUS_WORDS - 1
    ratios = {name: corpus[name][far] / corpus[name][0] for name in roles.recurrent}
    plain = roles.plain_rnn
    tail = quantiles[plain][2][far] / quantiles[plain][2][0]
    gated = " and ".join(
        f"the {styles[name].label}'s keeps {percent(ratios[name])}"
        for name in roles.recurrent
        if name != plain
    )
    st.caption(
        f"The same over {CORPUS_PARAGRAPHS} paragraphs of {CORPUS_WORDS} words from the "
        "held-out sentences: lines are the median paragraph, shaded bands the middle 80%. "
        f"From the last word to {far} words back the {styles[plain].label}'s median gradient "
        f"shrinks to {percent(ratios[plain])} of its size: the vanishing gradient. "
        f"{gated[0].upper()}{gated[1:]}: their gates let the signal through. Not every text is "
        "typical: in the top "
        f"tenth of paragraphs the {styles[plain].label}'s gradient {far} words back is still "
        f"{percent(tail)} of its size at the last word."
    )
    return corpus


@st.fragment
def show_profile() -> None:
    st.header("3 · Parallel vs sequential, measured on request", help=explain("growth exponent"))
    st.markdown(
        "A recurrent reader must finish word t before it can start word t + 1; a convolution "
        "computes every position at once. Press the button to time all six models on this "
        "server now (one measurement runs at a time, shared by everyone)."
    )
    store = profile_store()
    quick = st.toggle("Quick (fewer sizes, three repeats)", key="cmp_quick")
    plan = ProfilePlan.quick() if quick else ProfilePlan.full()
    if (seconds := store.seconds.get(plan)) is not None:
        st.caption(
            f"This took {seconds:.0f} s the last time on this server; more while it is busy. "
            "The time left is shown as it goes."
        )
    else:
        st.caption(
            "Not measured on this server yet: the time left is shown as it goes, from its pace."
        )
    if st.button("Measure on this server", icon=":material/timer:", key="cmp_measure"):
        if measure(plan):
            st.rerun()  # the whole page: the claims below use the new measurements
        st.info("Someone else is measuring right now; their results will show here.")
    if store.report is None:
        st.caption("Nothing measured on this server yet.")
        return
    threads = torch.get_num_threads()
    st.caption(
        f"Measured {time.time() - (store.finished or time.time()):.0f} s ago on this server "
        f"(medians; torch on {threads} thread{'' if threads == 1 else 's'}, as the server runs "
        "every model)."
    )
    show_growth(store.report)
    show_sequential_steps(store.report)
    show_batches_and_training(store.report)


def measure(plan: ProfilePlan) -> bool:
    """Run the plan with its progress in a status box: what is timed, how long so far, and how
    long is left at the pace so far. False when another session is measuring."""
    styles = model_styles()
    with st.status("Measuring on this server…", expanded=True) as status:
        st.write(
            f"Forward passes of both CNNs at {', '.join(map(str, plan.image_sides))} px and of "
            f"the four readers at {', '.join(map(str, plan.token_lengths))} words (median of "
            f"{plan.repeats}), batches of {plan.batch}, and one training step per reader."
        )
        line = st.empty()
        started = time.monotonic()

        def progress(done: float, model: str) -> None:
            elapsed = time.monotonic() - started
            left = elapsed * (1 - done) / done
            line.markdown(
                f"Timed **{styles[model].label}**: {done:.0%} done in {elapsed:.0f} s, about "
                f"{left:.0f} s left at this pace."
            )

        measured = measure_profile(plan, progress)
        status.update(
            label="Measured." if measured else "Not measured: a measurement is already running.",
            state="complete" if measured else "error",
            expanded=False,
        )
    return measured


def exponent_text(exponents: dict[str, float]) -> str:
    styles = model_styles()
    return ", ".join(f"{styles[name].label} {value:.2f}" for name, value in exponents.items())


def show_growth(report: ProfileReport) -> None:
    styles = model_styles()
    left, right = st.columns(2)
    images, tokens = report.images, report.tokens
    show_figure(
        growth_figure(images.series, styles, images.exponents, "image side (pixels)"),
        key="cmp_growth_images",
        alt="Milliseconds per forward pass against image side for both CNNs, log-log; fitted "
        f"exponents {exponent_text(images.exponents)}",
        place=left,
    )
    trained = " and ".join(str(spec.input_size) for spec in CNN_MODELS.values())
    left.caption(
        "Neither CNN needs a fixed size: both end in a pooling over the whole map, so any side "
        f"works (they were trained at {trained} px). The work grows with the area, side²; the "
        f"exponents fitted from {images.fitted_from} px on: {exponent_text(images.exponents)}."
    )
    show_figure(
        growth_figure(tokens.series, styles, tokens.exponents, "sentence length (words)"),
        key="cmp_growth_tokens",
        alt="Milliseconds per forward pass against sentence length for the four readers, "
        f"log-log; fitted exponents {exponent_text(tokens.exponents)}",
        place=right,
    )
    right.caption(
        "The arithmetic of all four grows in proportion to the length (exponent 1); short "
        "inputs are dominated by a fixed cost per call, which pulls the fitted exponents down "
        f"(fitted from {tokens.fitted_from} words on): {exponent_text(tokens.exponents)}. The "
        "recurrent readers must take the words one after another; the convolutional reader "
        "does each layer for all words in one parallel step."
    )


def show_sequential_steps(report: ProfileReport) -> None:
    steps, styles, longest = summaries(), model_styles(), report.longest_text
    st.dataframe(
        [
            {
                "model": styles[name].label,
                "steps that must run one after another": (
                    f"1 per word ({longest:,} for {longest:,} words)"
                    if steps[name].sequential_steps is None
                    else f"{steps[name].sequential_steps} (any length)"
                ),
            }
            for name in (*CNN_MODELS, *SENTIMENT_READERS)
        ],
        hide_index=True,
        key="cmp_steps",
    )


def show_batches_and_training(report: ProfileReport) -> None:
    styles, plan = model_styles(), report.plan
    left, right = st.columns(2)
    speedup = report.batch_speedup
    show_figure(
        bars_figure(
            [styles[m].label for m in speedup],
            list(speedup.values()),
            [f"{x:.1f}×" for x in speedup.values()],
            f"{plan.batch} single calls ÷ one batch of {plan.batch}",
            [styles[m].colour for m in speedup],
            current_theme(),
        ),
        key="cmp_batch",
        alt="How many times faster one batch is than single calls: "
        + ", ".join(f"{styles[m].label} {x:.1f}×" for m, x in speedup.items()),
        place=left,
    )
    left.caption(
        f"How many times longer {plan.batch} photos ({plan.batch_image_side} px) or "
        f"{plan.batch} sentences ({plan.batch_tokens} words) take one call at a time than in "
        "one batch. A batch lets every layer work on all inputs at once; for a recurrent reader "
        f"it turns {plan.batch} × {plan.batch_tokens} small steps into {plan.batch_tokens} "
        "bigger ones. The CNNs gain least: one small photo already keeps their convolutions "
        "busy, and this server runs torch on one thread, so their ratio sits near 1× and "
        "moves from run to run (0.9× to 1.5× in our measurements); the recurrent readers gain "
        "several times over."
    )
    train = report.train_step_ms
    show_figure(
        bars_figure(
            [styles[m].label for m in train],
            list(train.values()),
            [f"{report.train_ms_per_token[m] * 1000:.1f} µs/word" for m in train],
            "ms per training step",
            [styles[m].colour for m in train],
            current_theme(),
        ),
        key="cmp_train",
        alt="Milliseconds per training step: "
        + ", ".join(f"{styles[m].label} {ms:.1f} ms" for m, ms in train.items()),
        place=right,
    )
    right.caption(
        "One training step (forward, backward, Adam update) of a private copy of each reader "
        f"on the same batch of {plan.train_batch} sentences of {plan.train_tokens} words."
    )


def show_costs() -> None:
    st.header("4 · Costs", help=explain("multiply-add"))
    rows = []
    for s in summaries().values():
        reach = (
            "every earlier word"
            if s.receptive_field is None
            else f"{s.receptive_field} {s.receptive_field_unit}"
        )
        rows.append(
            {
                "model": s.title,
                "family": "convolutional" if s.family == "cnn" else "recurrent",
                "parameters": f"{s.params:,}",
                "multiply-adds": f"{s.macs:,} per {s.macs_per}",
                "activations": f"{size_text(s.activation_bytes)} per {s.macs_per}",
                "one output sees": reach,
                "weight sharing": s.weight_sharing,
            }
        )
    st.table(rows)
    st.caption(
        "Multiply-adds and activations are counted from the layer shapes (a photo at the size "
        "the model was trained on; a sentence per word). Most of a reader's parameters are its "
        "word embeddings, which cost a lookup, not arithmetic."
    )


def show_claims(corpus: dict[str, np.ndarray]) -> None:
    st.header("5 · The articles' claims, checked")
    report = profile_store().report
    digit_seconds, timing_source = digit_epoch_seconds()
    evidence = Evidence(
        summaries=summaries(),
        accuracy=reader_accuracy(),
        negation=negation_table(),
        gradients=corpus,
        train_ms_per_token=None if report is None else report.train_ms_per_token,
        digit_epoch_seconds=digit_seconds,
        digit_timing_source=timing_source,
    )
    st.table(
        [
            {"claim": c.claim, "verdict": VERDICTS[c.verdict], "what the models show": c.evidence}
            for c in check_claims(evidence)
        ]
    )
    st.caption(
        "Each verdict follows a fixed rule (written beside it in models/compare/claims.py) "
        "applied to the numbers on this page, so it can change with the machine or the "
        "weights: training speed, for example, is judged on the digits, from the last live "
        "training run on this server (the digits page) or the shipped readers' own training."
    )


BESIDE_KEY = "cmp_beside_open"  # section 6 is open (built only then)


def show_side_by_side(text: str, theme: Theme) -> None:
    """Section 6, in an expander built only while it is open: a CNN pass over the visitor's
    photo (run anew for a photo no page has shown yet) and a second chart of the sentence."""
    st.header("6 · One photo beside one sentence")
    beside = open_expander(
        "Your photo through the CNN beside your sentence through the LSTM",
        key=BESIDE_KEY,
        icon=":material/compare:",
    )
    if beside is not None:
        with beside:
            show_photo_and_sentence(text, theme)


def show_photo_and_sentence(text: str, theme: Theme) -> None:
    chosen = shared_photo()
    st.markdown(f"Your photo ({chosen.description}) beside your sentence.")
    st.page_link(CNN.script, label="Choose or upload another photo on the CNN page", icon="🧱")
    left, right = st.columns(2)
    with left:
        photo = loaded_photo(chosen)
        trace = cnn_trace(DEFAULT_CNN, chosen.source_key, photo.image)
        show_stage_pictures(trace, "mean", "cmp_overview", 120)
        st.markdown(
            "**Spatial.** All of the photo is filtered at once; each stage trades detail for "
            "a wider view and more channels."
        )
    with right:
        try:
            reading = sequence_trace(DEFAULT_SEQUENCE, text)
        except EmptyTextError:
            st.info("Type a sentence above to see it read.")
            return
        scores = {DEFAULT_SEQUENCE: reading.sentiment}
        figure = running_scores_figure(reading.tokens, scores, model_styles(), theme)
        show_figure(
            figure,
            key="cmp_path",
            alt=f"The running sentiment of your sentence, read word by word; it ends at "
            f"{float(reading.sentiment[-1]):+.2f}",
        )
        st.markdown(
            f"**Sequential.** The {model_styles()[DEFAULT_SEQUENCE].label} reads *"
            + escape_markdown(" ".join(reading.tokens[:12]))
            + ("…" if len(reading.tokens) > 12 else "")
            + "* one word at a time, carrying its memory forward."
        )
