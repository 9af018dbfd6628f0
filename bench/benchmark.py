"""Measure what users wait for: model loading, one forward pass, decoding, chart building.

Usage: python bench/benchmark.py [--repeats N] [--threads T] [--report FILE]
Prints a table of medians; nothing here is asserted (tests check behaviour, this checks speed).
With --report (make bench: docs/bench.md, after server_bench.py wrote it), adds the table there.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imaging.maps import overlay_image  # noqa: E402
from imaging.tiles import channel_tiles, stage_pictures  # noqa: E402
from models.cnn.channel_stats import representative_map  # noqa: E402
from models.cnn.explain import explain  # noqa: E402
from models.cnn.images import load_photo  # noqa: E402
from models.cnn.registry import CNN_MODELS, load_cnn  # noqa: E402
from models.cnn.trace import trace_image  # noqa: E402
from models.compare.comparison import negation_effects  # noqa: E402
from models.compare.memory_reach import gradient_by_distance, gradient_quantiles_by_distance  # noqa: E402
from models.sequence.attribution import integrated_gradients, occlusion  # noqa: E402
from models.sequence.corpus import paragraphs  # noqa: E402
from models.sequence.corpus_analysis import analysis_corpus, corpus_pca  # noqa: E402
from models.sequence.registry import (  # noqa: E402
    SENTIMENT_READERS,
    SEQUENCE_MODELS,
    load_sequence_model,
    trace_text,
)
from models.sequence.text import word_tokens  # noqa: E402
from models.sequence.unit_analysis import rank_units, top_examples  # noqa: E402

SENTENCE_30_TOKENS = (
    "The film was not good at first, and the middle dragged on far too long, "
    "but the ending was wonderful and I left the cinema smiling."
)


def median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def once_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--report", type=Path, metavar="FILE", help="add the table there")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows: list[tuple[str, float]] = []

    photo_bytes = (ROOT / "assets" / "samples" / "chelsea.jpg").read_bytes()
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (3000, 4000, 3), np.uint8))
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=90)
    big_bytes = buffer.getvalue()
    rows.append(
        (
            "decode sample photo (451x300 JPEG)",
            median_ms(lambda: load_photo(photo_bytes), args.repeats),
        )
    )
    rows.append(("decode 12 MP JPEG", median_ms(lambda: load_photo(big_bytes), 5)))
    photo = load_photo(photo_bytes).image

    for name in CNN_MODELS:
        rows.append(
            (f"{name}: load weights (checksum + build)", once_ms(lambda n=name: load_cnn(n)))
        )
        model = load_cnn(name)
        rows.append(
            (
                f"{name}: forward, all stages kept",
                median_ms(lambda m=model, n=name: trace_image(m, n, photo), args.repeats),
            )
        )
        trace = trace_image(model, name, photo)
        stages = trace.stages
        overview = lambda s=stages: stage_pictures(  # noqa: E731
            [representative_map(x.maps, "mean") for x in s]
        )
        rows.append((f"{name}: stage pictures as PNG", median_ms(overview, 5)))
        rows.append((f"{name}: stage pictures (KB)", sum(map(len, overview())) / 1000))
        widest = max(stages, key=lambda s: s.maps.size)
        grid = lambda w=widest: channel_tiles(w.maps, list(range(32)), per_channel=False)  # noqa: E731
        rows.append((f"{name}: 32 channel tiles of {widest.name} as PNG", median_ms(grid, 5)))
        rows.append((f"{name}: 32 channel tiles (KB)", sum(map(len, grid())) / 1000))
        rows.append(
            (
                f"{name}: overlay one channel",
                median_ms(lambda t=trace, w=widest: overlay_image(t.shown, w.maps[0], 0.6), 5),
            )
        )
        rows.append(
            (f"{name}: trace size in memory (MB)", sum(s.maps.nbytes for s in stages) / 1e6)
        )

    for name in SEQUENCE_MODELS:
        rows.append((f"{name}: load weights", once_ms(lambda n=name: load_sequence_model(n))))
        model = load_sequence_model(name)
        trace = trace_text(model, name, SENTENCE_30_TOKENS)
        rows.append(
            (
                f"{name}: trace a {len(trace.tokens)}-token text",
                median_ms(
                    lambda m=model, n=name: trace_text(m, n, SENTENCE_30_TOKENS), args.repeats
                ),
            )
        )

    cat = load_photo((ROOT / "assets" / "samples" / "chelsea.jpg").read_bytes()).image
    for name, spec in CNN_MODELS.items():
        model = load_cnn(name)
        batch, _ = spec.preprocess(cat)
        last = model.stage_names()[-2]
        methods = {
            "class activation map": ("cam", None, median_ms),
            f"Grad-CAM at {last}": ("gradcam", last, median_ms),
            "occlusion, default patch and step": ("occlusion", None, None),
        }
        for label, (method, stage, timer) in methods.items():
            action = partial(explain, name, model, batch, method, 281, stage)
            rows.append((f"{name}: {label}", timer(action, 9) if timer else once_ms(action)))

    readers = {name: load_sequence_model(name) for name in SENTIMENT_READERS}
    rows.append(
        (
            "compare page: negation probe, 4 readers (once per server)",
            once_ms(lambda: negation_effects(readers)),
        )
    )
    texts = paragraphs(100, 40)
    rows.append(
        (
            "compare page: corpus gradients, 4 readers x 40 x 100 words (once per server)",
            once_ms(
                lambda: [gradient_quantiles_by_distance(m, texts, 99) for m in readers.values()]
            ),
        )
    )
    tokens = word_tokens(SENTENCE_30_TOKENS)
    rows.append(
        (
            f"compare page: gradients of a {len(tokens)}-word sentence, 4 readers",
            median_ms(lambda: [gradient_by_distance(m, tokens) for m in readers.values()], 5),
        )
    )

    lstm = readers["lstm"]
    rows.append(
        (
            "lstm page: corpus states, 600 texts (once per server)",
            once_ms(lambda: analysis_corpus("lstm", lstm)),
        )
    )
    char = load_sequence_model("char")
    rows.append(
        (
            "char page: corpus states, 100 texts (once per server)",
            once_ms(lambda: analysis_corpus("char", char)),
        )
    )
    corpus = analysis_corpus("lstm", lstm)
    fit = corpus_pca(corpus)
    trace = trace_text(lstm, "lstm", SENTENCE_30_TOKENS)
    deeper = {
        "rank units (12,260 words x 128 units)": lambda: rank_units(corpus, "h", "negation"),
        "top examples of a unit": lambda: top_examples(corpus, "h", 18),
        "project the path onto 2 components": lambda: fit.project(trace.layers[0].h),
        "integrated gradients (from 16 steps)": lambda: integrated_gradients(lstm, trace.tokens),
        "occlusion (leave one word out)": lambda: occlusion(lstm, trace.tokens),
        "trace the second sentence": lambda: trace_text(lstm, "lstm", SENTENCE_30_TOKENS[:60]),
    }
    total = 0.0
    for label, action in deeper.items():
        ms = median_ms(action, 5)
        total += ms
        rows.append((f"lstm page, {len(trace.tokens)} words: {label}", ms))
    rows.append((f"lstm page, {len(trace.tokens)} words: all of the above", total))

    width = max(len(label) for label, _ in rows)
    print(
        f"torch {torch.__version__}, {args.threads} threads, "
        f"medians of {args.repeats} (ms unless stated)"
    )
    for label, value in rows:
        print(f"{label:<{width}}  {value:10.2f}")
    if args.report:
        from bench.report import add_model_section, model_section

        section = model_section(rows, torch.__version__, args.threads, args.repeats)
        print(f"added to {add_model_section(args.report, section)}")


if __name__ == "__main__":
    main()
