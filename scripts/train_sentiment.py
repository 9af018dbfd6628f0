"""Train the word-level sentiment readers on VADER's human-rated sentences (seeded, CPU, minutes).

Usage: python scripts/train_sentiment.py [path/to/hutto_ICWSM_2014.tar.gz] [--cells lstm gru ...]

One command trains all four readers (LSTM, GRU, vanilla RNN, causal 1D CNN: see
models/sequence/sentiment.py) on exactly the same tokenizer, vocabulary, split, extra examples,
loss and schedule; each starts from the same seed, so training one reader never changes another.

Data: vaderSentiment 3.3.2 (MIT) ships `additional_resources/hutto_ICWSM_2014.tar.gz`, whose
four `*_GroundTruth.txt` files hold 23,703 sentences (tweets, movie reviews, Amazon reviews,
NYT editorials), each with the mean of about 20 human ratings in [-4, 4], and whose
`vader_sentiment_lexicon.txt` rates about 7,500 words and emoticons. Without a path the script
runs `pip download vadersentiment==3.3.2 --no-deps --no-binary :all:` into a temporary
directory. The tarball's sha256 is checked; the files are read as latin-1.

Model: SentimentModel (Embedding(V, 64) -> encoder -> tanh(Linear(128, 1)) per token),
targets rating / 4 in [-1, 1], weighted mean squared error, Adam (lr 3e-3, cosine decay, 8
epochs, batches of 64 similar-length examples), dropout 0.4 on the embeddings during training
only (it lifted held-out accuracy by about one point on two different splits), seeded,
torch.set_num_threads(2).
The sentences are split 90/10 with a fixed seed; the vocabulary is every token seen at least
twice in the training split plus the lexicon's single-token entries; rarer words share <unk>.

What the loss sees, so that the running score means something mid-sentence:
- rated sentences: the rating is the target of the last token (weight 1) and, with weight
  0.1, of every earlier token, which pulls early scores gently toward the overall tone;
- lexicon words: each single-token lexicon entry is a one-token example with its mean rating;
- templates (the plain data has too few short negations and contrasts for the model to learn
  them; these follow VADER's own rules): with the subject and verb drawn from small lists
  ("the movie was", "the food is", ...) and ADJ any lexicon word with |rating| >= 1 that the
  corpus uses after is/was/very/so/... (not an -ly adverb; s = rating / 4):
    "<subj> <verb> ADJ"                      target s at ADJ and at the end;
    "<subj> <verb> not|never|n't ADJ"        target -0.74 s (VADER's negation scalar);
    "<subj> <verb> ADJ1 but ADJ2" (opposite signs): s1 at ADJ1, 0.25 s1 + 0.75 s2 at the end
                                             (VADER weighs words after "but" 1.5x, before 0.5x);
    "<subj> <verb> not ADJ1, but <subj2> <verb> ADJ2": -0.74 s1 at ADJ1, then
                                             0.25 (-0.74 s1) + 0.75 s2 at the end;
    "<subj> <verb> ADJ1 and ADJ2" (same sign): s1 at ADJ1, (s1 + s2) / 2 at the end.
  Tokens without a target in a template are not in the loss.
Held-out metrics use the real test sentences only (last-token score): polarity accuracy is
sign agreement on items with |rating| > 0.5, plus the Pearson correlation with rating / 4.
Also recorded per reader: parameter counts, training time, and the negation-gap probe's
effect of "not" by gap (models/compare/negation_gap.py). Writes models/weights/sentiment_<cell>.pt
for each reader trained, sentiment_vocab.json (the same for all), assets/heldout_sentences.tsv
(the held-out split with its ratings: the app's analysis corpus), and merges the readers'
figures into sentiment_metrics.json. `--cells` with no names writes only the shared files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import WEIGHTS_DIR  # noqa: E402
from models.compare.negation_gap import effect_by_gap, probes  # noqa: E402
from models.sequence.sentiment import (  # noqa: E402
    CELLS,
    METRICS_NAME,
    PAD_ID,
    UNK_ID,
    VOCAB_NAME,
    SentimentConfig,
    SentimentModel,
    checkpoint_name,
)
from models.sequence.text import save_vocab, word_tokens  # noqa: E402

SOURCE_SHA256 = "d5bb07d87474b3eb8d30b4deccbc23f19d742a6c5718fbacc65485b70b95c5fa"
PACKAGE = "vadersentiment==3.3.2"
PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:")
CORPUS = ROOT / "assets" / "heldout_sentences.tsv"

SEED = 1234
EPOCHS = 8
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
MIN_COUNT = 2
EARLY_TOKEN_WEIGHT = 0.1
EMBED_DROPOUT = 0.4
TEMPLATES_PER_FAMILY = 3000
NEGATION_SCALAR = -0.74  # VADER's N_SCALAR
BEFORE_BUT, AFTER_BUT = 0.25, 0.75

SUBJECTS = (
    "the movie", "the film", "the book", "the food", "the service", "the ending", "the plot",
    "the acting", "the hotel", "it", "this phone", "the story", "the music", "the staff",
    "the game", "the weather", "the show", "this place", "the product", "the meal",
)  # fmt: skip
VERBS = ("was", "is", "seems", "looks", "felt", "sounds")
NEGATIONS = ("not", "never", "n't")
COPULAS = frozenset(
    {"is", "was", "are", "were", "be", "been", "being", "very", "so", "too", "really", "quite"}
).union(VERBS)
NOT_ADJECTIVES = frozenset({"no", "like", "pretty", "well", "kind", "yes", "please", "thanks"})

TEST_SENTENCES = (
    "good",
    "not good",
    "The movie was good but boring",
    "The film was not good, but the ending was wonderful",
    "I love this phone, it is excellent",
    "This is the worst service I have ever had",
)


@dataclass
class Example:
    tokens: list[str]
    targets: list[float]  # one per token
    weights: list[float]  # one per token; 0 leaves the token out of the loss


def fetch_archive(dest: Path) -> Path:
    """pip-download the vaderSentiment sdist into `dest`; return its inner data tarball."""
    subprocess.run(
        [*PIP_DOWNLOAD, "--dest", str(dest), PACKAGE],
        check=True,
    )
    (sdist,) = dest.glob("*aderSentiment-3.3.2.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(dest, filter="data")
    (archive,) = dest.glob("*/additional_resources/hutto_ICWSM_2014.tar.gz")
    return archive


def read_archive(archive: Path) -> tuple[list[tuple[str, float]], dict[str, float]]:
    """(sentence, rating in [-4, 4]) pairs and the {word: rating} lexicon from the tarball."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{archive}: sha256 {digest} is not the expected {SOURCE_SHA256}")
    sentences: list[tuple[str, float]] = []
    lexicon: dict[str, float] = {}
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = Path(member.name).name
            if not member.isfile() or not (
                name.endswith("_GroundTruth.txt") or name == "vader_sentiment_lexicon.txt"
            ):
                continue
            text = tar.extractfile(member).read().decode("latin-1")  # type: ignore[union-attr]
            for line in text.splitlines():
                parts = line.split("\t")
                if name == "vader_sentiment_lexicon.txt" and len(parts) >= 2:
                    lexicon[parts[0]] = float(parts[1])
                elif len(parts) >= 3 and parts[2].strip():
                    sentences.append((parts[2], float(parts[1])))
    return sentences, lexicon


def sentence_example(tokens: list[str], rating: float) -> Example:
    target = rating / 4
    weights = [EARLY_TOKEN_WEIGHT] * (len(tokens) - 1) + [1.0]
    return Example(tokens, [target] * len(tokens), weights)


def template_example(parts: list[tuple[str, float | None]]) -> Example:
    """Tokenise each (text, target-after-it) part; the target goes on the part's last token."""
    tokens: list[str] = []
    targets: list[float] = []
    weights: list[float] = []
    for text, target in parts:
        part = word_tokens(text)
        tokens += part
        targets += [0.0] * (len(part) - 1) + [target or 0.0]
        weights += [0.0] * (len(part) - 1) + [0.0 if target is None else 1.0]
    return Example(tokens, targets, weights)


def make_templates(
    rng: random.Random, adjectives: dict[str, float], per_family: int
) -> list[Example]:
    """The negation / contrast / conjunction templates described in the module docstring."""
    positive = sorted(w for w, s in adjectives.items() if s > 0)
    negative = sorted(w for w, s in adjectives.items() if s < 0)
    every = positive + negative

    def subject() -> str:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)}"

    def negated(adjective: str) -> str:
        negation = rng.choice(NEGATIONS)
        if negation == "n't":
            return f"{rng.choice(SUBJECTS)} {rng.choice(('was', 'is'))}n't {adjective}"
        return f"{subject()} {negation} {adjective}"

    examples: list[Example] = []
    for _ in range(per_family):
        w = rng.choice(every)
        s = adjectives[w] / 4
        examples.append(template_example([(subject(), None), (w, s), (".", s)]))

        w = rng.choice(every)
        s = adjectives[w] / 4
        examples.append(template_example([(negated(w), NEGATION_SCALAR * s)]))

        w1, w2 = rng.choice(positive), rng.choice(negative)
        if rng.random() < 0.5:
            w1, w2 = w2, w1
        s1, s2 = adjectives[w1] / 4, adjectives[w2] / 4
        final = BEFORE_BUT * s1 + AFTER_BUT * s2
        examples.append(template_example([(subject(), None), (w1, s1), ("but", None), (w2, final)]))

        w1, w2 = rng.choice(every), rng.choice(every)
        s1, s2 = NEGATION_SCALAR * adjectives[w1] / 4, adjectives[w2] / 4
        final = BEFORE_BUT * s1 + AFTER_BUT * s2
        examples.append(
            template_example([(negated(w1), s1), (", but", None), (subject(), None), (w2, final)])
        )

        group = positive if rng.random() < 0.5 else negative
        w1, w2 = rng.choice(group), rng.choice(group)
        s1, s2 = adjectives[w1] / 4, adjectives[w2] / 4
        examples.append(
            template_example([(subject(), None), (w1, s1), ("and", None), (w2, (s1 + s2) / 2)])
        )
    return examples


def batches(
    examples: list[Example], vocab: dict[str, int], rng: random.Random, shuffle: bool
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Length-bucketed, post-padded (ids, targets, weights) batches, each (B, T)."""
    order = sorted(range(len(examples)), key=lambda k: (len(examples[k].tokens), k))
    groups = [order[k : k + BATCH_SIZE] for k in range(0, len(order), BATCH_SIZE)]
    if shuffle:
        rng.shuffle(groups)
    out = []
    for group in groups:
        length = max(len(examples[k].tokens) for k in group)
        ids = torch.full((len(group), length), PAD_ID, dtype=torch.long)
        targets = torch.zeros(len(group), length)
        weights = torch.zeros(len(group), length)
        for row, k in enumerate(group):
            ex = examples[k]
            n = len(ex.tokens)
            ids[row, :n] = torch.tensor([vocab.get(t, UNK_ID) for t in ex.tokens])
            targets[row, :n] = torch.tensor(ex.targets)
            weights[row, :n] = torch.tensor(ex.weights)
        out.append((ids, targets, weights))
    return out


def last_scores(model: SentimentModel, token_lists: list[list[str]], vocab: dict[str, int]):
    """Score after the last token of each token list, as a numpy array."""
    scores = []
    with torch.inference_mode():
        for tokens in token_lists:
            ids = torch.tensor([[vocab.get(t, UNK_ID) for t in tokens]])
            scores.append(float(model(ids)[0, -1]))
    return np.array(scores)


def polarity_accuracy(preds: np.ndarray, ratings: np.ndarray) -> float:
    """Sign agreement on the clearly polar items (|rating| > 0.5 on the -4..4 scale)."""
    clear = np.abs(ratings) > 0.5
    return float(np.mean(np.sign(preds[clear]) == np.sign(ratings[clear])))


def running_scores(model: SentimentModel, text: str, vocab: dict[str, int]) -> str:
    """'token score' pairs of the running sentiment, for the metrics file and the log."""
    tokens = word_tokens(text)
    with torch.inference_mode():
        scores = model(torch.tensor([[vocab.get(t, UNK_ID) for t in tokens]]))[0]
    return "  ".join(f"{token} {float(s):+.2f}" for token, s in zip(tokens, scores, strict=True))


def write_heldout_corpus(test_texts: list[tuple[str, float]]) -> None:
    """The held-out sentences and their mean human rating, as the app's analysis corpus."""
    lines = ["# rating in [-4, 4]<TAB>sentence: VADER's held-out split (MIT), never trained on"]
    for text, rating in test_texts:
        clean = " ".join(text.split())
        lines.append(f"{rating:+.4f}\t{clean}")
    CORPUS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {CORPUS.relative_to(ROOT)} ({len(test_texts)} sentences)", flush=True)


def train_one(
    cell: str,
    examples: list[Example],
    test: list[tuple[list[str], float]],
    vocab: dict[str, int],
    rng_state: object,
    args: argparse.Namespace,
) -> tuple[SentimentModel, dict]:
    """Train one reader from the shared seed; return it with its held-out figures."""
    torch.manual_seed(args.seed)
    rng = random.Random()
    rng.setstate(rng_state)  # every reader sees the same batch order
    model = SentimentModel(SentimentConfig(vocab_size=len(vocab), cell=cell), vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    ratings = np.array([r for _, r in test])
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total, weight_sum = 0.0, 0.0
        for ids, targets, weights in batches(examples, vocab, rng, shuffle=True):
            emb = nn.functional.dropout(model.embedding(ids), args.dropout, training=True)
            scores = model.score(model.encode(emb))  # (B, T)
            loss_sum = (weights * (scores - targets) ** 2).sum()
            optimizer.zero_grad()
            (loss_sum / weights.sum()).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += float(loss_sum.detach())
            weight_sum += float(weights.sum())
        schedule.step()
        model.eval()
        preds = last_scores(model, [t for t, _ in test], vocab)
        print(
            f"{cell} epoch {epoch + 1}: train loss {total / weight_sum:.4f}, held-out polarity "
            f"accuracy {polarity_accuracy(preds, ratings):.3f}, "
            f"{time.perf_counter() - start:.0f}s",
            flush=True,
        )
    train_seconds = time.perf_counter() - start

    model.eval()
    preds = last_scores(model, [t for t, _ in test], vocab)
    probe_list = probes()
    plain = last_scores(model, [list(p.plain) for p in probe_list], vocab).tolist()
    negated = last_scores(model, [list(p.negated) for p in probe_list], vocab).tolist()
    encoder_params = sum(p.numel() for p in model.encoder.parameters())
    metrics = {
        "heldout_polarity_accuracy": round(float(polarity_accuracy(preds, ratings)), 4),
        "heldout_pearson": round(float(np.corrcoef(preds, ratings / 4)[0, 1]), 4),
        "parameters": sum(p.numel() for p in model.parameters()),
        "parameters_without_embedding": sum(
            p.numel() for name, p in model.named_parameters() if not name.startswith("embedding")
        ),
        "encoder_parameters": encoder_params,
        "train_seconds": round(train_seconds, 1),
        "negation_effect_by_gap": {
            str(gap): round(effect, 4)
            for gap, effect in effect_by_gap(plain, negated, probe_list).items()
        },
        "examples": {text: running_scores(model, text, vocab) for text in TEST_SENTENCES},
    }
    return model, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", nargs="?", type=Path, help="hutto_ICWSM_2014.tar.gz")
    parser.add_argument("--cells", nargs="*", choices=CELLS, default=list(CELLS))
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--dropout", type=float, default=EMBED_DROPOUT)
    parser.add_argument("--templates", type=int, default=TEMPLATES_PER_FAMILY)
    parser.add_argument("--no-write", action="store_true", help="train and report only")
    args = parser.parse_args()

    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        sentences, raw_lexicon = read_archive(args.archive or fetch_archive(Path(tmp)))

    data = [(word_tokens(text), rating, text) for text, rating in sentences]
    data = [row for row in data if row[0]]
    rng.shuffle(data)
    n_test = len(data) // 10
    test_texts = [(text, rating) for _, rating, text in data[:n_test]]
    test = [(tokens, rating) for tokens, rating, _ in data[:n_test]]
    train = [(tokens, rating) for tokens, rating, _ in data[n_test:]]

    lexicon: dict[str, float] = {}
    for entry, rating in raw_lexicon.items():
        tokens = word_tokens(entry)
        if len(tokens) == 1:
            lexicon.setdefault(tokens[0], rating)
    counts = Counter(token for tokens, _ in train for token in tokens)
    after_copula = {b for tokens, _ in train for a, b in pairwise(tokens) if a in COPULAS}
    adjectives = {
        w: r
        for w, r in lexicon.items()
        if w in after_copula and abs(r) >= 1 and not w.endswith("ly") and w not in NOT_ADJECTIVES
    }

    words = sorted({t for t, n in counts.items() if n >= MIN_COUNT} | set(lexicon))
    vocab = {"<pad>": PAD_ID, "<unk>": UNK_ID} | {w: k + 2 for k, w in enumerate(words)}

    examples = [sentence_example(tokens, rating) for tokens, rating in train]
    examples += [Example([w], [r / 4], [1.0]) for w, r in sorted(lexicon.items())]
    templates = make_templates(rng, adjectives, args.templates)
    examples += templates
    rng_state = rng.getstate()

    metrics_path = WEIGHTS_DIR / METRICS_NAME
    old = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    metrics = {
        "heldout_sentences": len(test),
        "heldout_polar_sentences": int((np.abs([r for _, r in test]) > 0.5).sum()),
        "train_sentences": len(train),
        "lexicon_examples": len(lexicon),
        "template_examples": len(templates),
        "vocab_size": len(vocab),
        "epochs": args.epochs,
        "seed": args.seed,
        "torch_threads": torch.get_num_threads(),
        "models": dict(old.get("models", {})),
    }
    if not args.no_write:
        WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
        save_vocab(WEIGHTS_DIR / VOCAB_NAME, vocab)
        write_heldout_corpus(test_texts)
    for cell in args.cells:
        model, figures = train_one(cell, examples, test, vocab, rng_state, args)
        print(json.dumps({cell: figures}, indent=1, ensure_ascii=False), flush=True)
        metrics["models"][cell] = figures
        if args.no_write:
            continue
        digest = model.to_checkpoint(WEIGHTS_DIR / checkpoint_name(cell))
        print(f"wrote {checkpoint_name(cell)} (sha256 {digest[:16]}…)", flush=True)
        metrics["models"] = {c: metrics["models"][c] for c in CELLS if c in metrics["models"]}
        metrics_json = json.dumps(metrics, indent=1, ensure_ascii=False)
        metrics_path.write_text(metrics_json + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
