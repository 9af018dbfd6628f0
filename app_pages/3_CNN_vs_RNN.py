"""CNN vs RNN: the articles' claims measured on the app's real models, on this server."""

import time

import numpy as np
import streamlit as st
import torch

from charts.compare import (
    COLOURS,
    bars_figure,
    gradient_figure,
    growth_figure,
    negation_gap_figure,
    receptive_field_figure,
    running_scores_figure,
)
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.compare.claims import Evidence, check_claims
from models.compare.comparison import cnn_receptive_fields
from models.compare.profiling import Measurement, ProfilePlan, growth_exponent, run_profile
from models.sequence.registry import SENTIMENT_READERS, spec_of
from models.sequence.trace import EmptyTextError
from ui.cnn_cache import cnn_model, cnn_trace, decoded_photo, samples
from ui.compare_cache import (
    CORPUS_PARAGRAPHS,
    CORPUS_WORDS,
    corpus_gradients,
    negation_table,
    profile_store,
    reader_accuracy,
    readers,
    sentence_gradients,
    summaries,
)
from ui.pictures import show_stage_pictures
from ui.sequence_cache import example_sentences, sequence_trace
from ui.text import escape_markdown

FIT_FROM = {"image": 128, "tokens": 64}  # sizes below this are dominated by per-call overhead
VERDICTS = {"supported": "✓ supported", "not supported": "✗ not supported", "depends": "± depends"}
NAMES = {name: spec_of(name).short for name in SENTIMENT_READERS}
NAMES |= {name: spec.title for name, spec in CNN_MODELS.items()}

st.set_page_config(page_title="CNN vs RNN, measured", page_icon="⚖️", layout="wide")
st.title("CNN vs RNN, measured")
st.markdown(
    "Articles that compare convolutional and recurrent networks make claims about memory, "
    "speed, parallelism and vanishing gradients. This page checks them on real models: the two "
    "ImageNet CNNs of the first page, and **four sentiment readers trained the same way** — an "
    "LSTM, a GRU, a plain (vanilla) RNN and a causal 1D CNN that sees a fixed window of words. "
    "Every number below is computed by those models on this server."
)

summaries_accuracy = reader_accuracy()
examples = example_sentences()
if "cmp_text" not in st.session_state:
    st.session_state["cmp_text"] = examples[0]
text = st.text_input(
    "A sentence for all four readers (press Enter)", key="cmp_text", max_chars=5000
)


def show_readers(text: str) -> tuple[str, ...] | None:
    """Four readers on the same sentence; returns its tokens (None when there are none)."""
    st.header("1 · One sentence, four readers")
    try:
        traces = {name: sequence_trace(name, text) for name in SENTIMENT_READERS}
    except EmptyTextError as error:
        st.info(str(error))
        return None
    tokens = traces["lstm"].tokens
    if traces["lstm"].truncated:
        st.warning(f"That text is long: the readers read only its first {len(tokens)} words.")
    scores = {name: trace.sentiment for name, trace in traces.items()}
    st.plotly_chart(running_scores_figure(tokens, scores, NAMES), width="stretch", key="cmp_scores")
    accuracy = summaries_accuracy
    st.dataframe(
        [
            {
                "reader": NAMES[name],
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

    st.subheader("How far back does a 'not' still count?")
    effects = negation_table()
    window = readers()["cnn1d"].config.window
    st.plotly_chart(
        negation_gap_figure(effects, NAMES, {"cnn1d": window}), width="stretch", key="cmp_gap"
    )
    st.caption(
        "80 sentence pairs per gap, such as *the movie was (not) as far as i can tell good .*, "
        "with only neutral words between *not* and the word it negates. The curve is how much "
        "the *not* still moves the final score: large while the reader remembers it, 0 once it "
        f"has forgotten. The 1D CNN's score sees only the last {window} words, so past the "
        "dotted line its curve is exactly 0."
    )
    return tokens


def show_reach(tokens: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    st.header("2 · What each model can see")
    left, right = st.columns(2)
    with left:
        st.subheader("A CNN: a window that grows with depth")
        fields = cnn_receptive_fields()
        sides = {name: spec.input_size for name, spec in CNN_MODELS.items()}
        st.plotly_chart(
            receptive_field_figure(fields, NAMES, sides), width="stretch", key="cmp_fields"
        )
        last = {name: rows[-1][1] for name, rows in fields.items()}
        st.caption(
            "How many pixels (on a side) one unit of each stage can see, computed from the "
            "kernels, strides and padding. Stride-2 layers double the step between units, so "
            "the window grows faster and faster: SqueezeNet's last stage sees "
            f"{last['squeezenet1_1']} pixels, EfficientNet-Lite0's {last['efficientnet_lite0']} "
            "(more than the image: the edges fall on padding). Pooling over the whole map then "
            "gives the class scores."
        )
    with right:
        st.subheader("An RNN: every earlier word, in principle")
        if tokens is not None:
            st.markdown("**On your sentence**")
            curves = sentence_gradients(tokens)
            st.plotly_chart(
                gradient_figure(curves, NAMES),
                width="stretch",
                key="cmp_sentence_gradients",
            )
            window = readers()["cnn1d"].config.window
            hidden = max(0, len(tokens) - window)
            dead = int((curves["cnn1d"][:window] == 0).sum())
            inside = (
                f" Here it is 0 for {dead} word{'' if dead == 1 else 's'} inside its window "
                "too: every channel of its last layer is switched off (ReLU) at the last word."
                if dead
                else ""
            )
            st.caption(
                "How much each earlier word can still move the final score (the size of its "
                f"gradient). The 1D CNN's is exactly 0 for the {hidden} word"
                f"{'' if hidden == 1 else 's'} more than {window - 1} back, whatever the "
                f"weights; a recurrent reader's is not.{inside}"
            )
    quantiles = corpus_gradients()
    corpus = {name: q[1] for name, q in quantiles.items()}  # the medians
    bands = {name: (q[0], q[2]) for name, q in quantiles.items() if name != "cnn1d"}
    st.markdown(f"**Over {CORPUS_PARAGRAPHS} paragraphs of {CORPUS_WORDS} words**")
    st.plotly_chart(
        gradient_figure(corpus, NAMES, bands=bands),
        width="stretch",
        key="cmp_corpus_gradients",
    )
    far = CORPUS_WORDS - 1
    ratios = {name: corpus[name][far] / corpus[name][0] for name in ("rnn", "lstm", "gru")}
    tail = quantiles["rnn"][2][far] / quantiles["rnn"][2][0]
    st.caption(
        f"The same over {CORPUS_PARAGRAPHS} paragraphs of {CORPUS_WORDS} words from the "
        "held-out sentences: lines are the median paragraph, shaded bands the middle 80%. "
        f"From the last word to {far} words back the vanilla RNN's median gradient shrinks to "
        f"{percent(ratios['rnn'])} of its size: the vanishing gradient. The LSTM's keeps "
        f"{percent(ratios['lstm'])} and the GRU's {percent(ratios['gru'])}: their gates let "
        "the signal through. Not every text is typical: in the top tenth of paragraphs the "
        f"RNN's gradient {far} words back is still {percent(tail)} of its size at the last "
        "word."
    )
    return corpus


def size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.1f} KB"


def exponent_text(exponents: dict[str, float]) -> str:
    return ", ".join(f"{NAMES[name]} {value:.2f}" for name, value in exponents.items())


def percent(share: float) -> str:
    return f"{share * 100:.2g}%"


def fitted(rows: list[Measurement], kind: str) -> tuple[dict, dict]:
    """Forward times by model, and the exponent fitted over the sizes past per-call overhead."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for row in rows:
        if row.input == kind and row.batch == 1 and row.what == "forward":
            sizes, seconds = series.setdefault(row.model, ([], []))
            sizes.append(row.size)
            seconds.append(row.seconds)
    exponents = {}
    for name, (sizes, seconds) in series.items():
        keep = [i for i, size in enumerate(sizes) if size >= FIT_FROM[kind]]
        if len(keep) < 3:  # too few large sizes (a quick run): fit them all
            keep = list(range(len(sizes)))
        exponents[name] = growth_exponent([sizes[i] for i in keep], [seconds[i] for i in keep])
    return series, exponents


@st.fragment
def show_profile() -> None:
    st.header("3 · Parallel vs sequential, measured on request")
    st.markdown(
        "A recurrent reader must finish word t before it can start word t + 1; a convolution "
        "computes every position at once. Press the button to time all six models on this "
        "server now (a few seconds; one measurement runs at a time, shared by everyone)."
    )
    store = profile_store()
    quick = st.toggle("Quick (fewer sizes, one repeat)", key="cmp_quick")
    if st.button("Measure on this server", icon=":material/timer:", key="cmp_measure"):
        if store.lock.acquire(blocking=False):
            try:
                plan = ProfilePlan.quick() if quick else ProfilePlan.full()
                bar = st.progress(0.0, text="Measuring…")
                cnns = {name: cnn_model(name) for name in CNN_MODELS}
                found = []
                for done, measurement in run_profile(cnns, readers(), plan):
                    found.append(measurement)
                    bar.progress(done, text=f"Measuring {NAMES[measurement.model]}…")
                store.save(found, plan)
            finally:
                store.lock.release()
            st.rerun()  # the whole page: the claims below use the new measurements
        else:
            st.info("Someone else is measuring right now; their results will show here.")
    if store.measurements is None:
        st.caption("Nothing measured on this server yet.")
        return
    rows = store.measurements
    age = time.time() - (store.finished or time.time())
    threads = torch.get_num_threads()
    st.caption(
        f"Measured {age:.0f} s ago on this server (medians; torch on {threads} thread"
        f"{'' if threads == 1 else 's'}, as the server runs every model)."
    )
    left, right = st.columns(2)
    with left:
        series, exponents = fitted(rows, "image")
        st.plotly_chart(
            growth_figure(series, NAMES, exponents, "image side (pixels)"),
            width="stretch",
            key="cmp_growth_images",
        )
        st.caption(
            "Neither CNN needs a fixed size: both end in a pooling over the whole map, so any "
            "side works (they were trained at "
            + " and ".join(str(spec.input_size) for spec in CNN_MODELS.values())
            + " px). The work grows with the area, side²; the fitted exponents: "
            + exponent_text(exponents)
            + "."
        )
    with right:
        series, exponents = fitted(rows, "tokens")
        st.plotly_chart(
            growth_figure(series, NAMES, exponents, "sentence length (words)"),
            width="stretch",
            key="cmp_growth_tokens",
        )
        st.caption(
            "The arithmetic of all four grows in proportion to the length (exponent 1); short "
            "inputs are dominated by a fixed cost per call, which pulls the fitted exponents "
            "down: "
            + exponent_text(exponents)
            + ". The recurrent readers must take the words one after another; the 1D CNN "
            "does each layer for all words in one parallel step."
        )
    steps = summaries()
    st.dataframe(
        [
            {
                "model": NAMES[name],
                "steps that must run one after another": (
                    "1 per word (1,024 for 1,024 words)"
                    if steps[name].sequential_steps is None
                    else f"{steps[name].sequential_steps} (any length)"
                ),
            }
            for name in (*CNN_MODELS, *SENTIMENT_READERS)
        ],
        hide_index=True,
        key="cmp_steps",
    )
    batched = {(r.model, r.what): r.seconds for r in rows if r.batch > 1 and r.what != "train step"}
    models = list(dict.fromkeys(model for model, _ in batched))
    speedup = [batched[(m, "singles")] / batched[(m, "forward")] for m in models]
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            bars_figure(
                [NAMES[m] for m in models],
                speedup,
                [f"{x:.1f}×" for x in speedup],
                "64 single calls ÷ one batch of 64",
                [COLOURS[m] for m in models],
            ),
            width="stretch",
            key="cmp_batch",
        )
        plan = store.plan or ProfilePlan.full()
        st.caption(
            f"How many times longer 64 photos ({plan.batch_image_side} px) or 64 sentences "
            f"({plan.batch_tokens} words) take one call "
            "at a time than in one batch. A batch lets every layer work on all inputs at once; "
            "for a recurrent reader it turns 64 × 32 small steps into 32 bigger ones."
        )
    with right:
        train = [r for r in rows if r.what == "train step"]
        st.plotly_chart(
            bars_figure(
                [NAMES[r.model] for r in train],
                [r.seconds * 1000 for r in train],
                [f"{r.seconds * 1e6 / (r.batch * r.size):.1f} µs/word" for r in train],
                "ms per training step",
                [COLOURS[r.model] for r in train],
            ),
            width="stretch",
            key="cmp_train",
        )
        st.caption(
            "One training step (forward, backward, Adam update) of a private copy of each "
            f"reader on the same batch of 32 sentences of {plan.train_tokens} words."
        )


def show_costs() -> None:
    st.header("4 · Costs")
    rows = []
    for s in summaries().values():
        reach = (
            "every earlier word"
            if s.receptive_field is None
            else (f"{s.receptive_field} {s.receptive_field_unit}")
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
    rows = profile_store().measurements
    train = None
    if rows:
        train = {
            r.model: r.seconds * 1000 / (r.batch * r.size) for r in rows if r.what == "train step"
        }
    evidence = Evidence(
        summaries=summaries(),
        accuracy=summaries_accuracy,
        negation=negation_table(),
        gradients=corpus,
        train_ms_per_token=train,
    )
    st.table(
        [
            {"claim": c.claim, "verdict": VERDICTS[c.verdict], "what the models show": c.evidence}
            for c in check_claims(evidence)
        ]
    )
    st.caption(
        "Each verdict follows a fixed rule (written beside it in models/compare/claims.py) "
        "applied to "
        "the numbers on this page, so it can change with the machine or the weights: for "
        "example, training speed is judged only after a measurement."
    )


def show_side_by_side(text: str) -> None:
    st.header("6 · One photo beside one sentence")
    gallery = samples()
    names = [sample.path.name for sample in gallery]
    chosen = st.session_state.get("cnn_sample", names[0])
    pick = st.selectbox(
        "Photo (a sample; the CNN page takes uploads)",
        names,
        index=names.index(chosen) if chosen in names else 0,
        format_func=lambda name: next(s.title for s in gallery if s.path.name == name),
        key="cmp_photo",
    )
    sample = next(s for s in gallery if s.path.name == pick)
    left, right = st.columns(2)
    with left:
        photo = decoded_photo(f"sample:{sample.path.name}", sample.path.read_bytes())
        trace = cnn_trace(DEFAULT_CNN, f"sample:{sample.path.name}", photo.image)
        show_stage_pictures(trace, "mean", "cmp_overview", 120)
        st.markdown(
            "**Spatial.** All of the photo is filtered at once; each stage trades detail for "
            "a wider view and more channels."
        )
    with right:
        try:
            reading = sequence_trace("lstm", text)
        except EmptyTextError:
            st.info("Type a sentence above to see it read.")
            return
        st.plotly_chart(
            running_scores_figure(reading.tokens, {"lstm": reading.sentiment}, NAMES),
            width="stretch",
            key="cmp_path",
        )
        st.markdown(
            "**Sequential.** The LSTM reads *"
            + escape_markdown(" ".join(reading.tokens[:12]))
            + ("…" if len(reading.tokens) > 12 else "")
            + "* one word at a time, carrying its memory forward."
        )


tokens = show_readers(text)
corpus = show_reach(tokens)
show_profile()
show_costs()
show_claims(corpus)
show_side_by_side(text)
