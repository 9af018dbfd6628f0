"""Train the three example models and write their weights and configs (seeded, one CPU core).

Usage: python examples/own_model/train.py

- resdigits (resdigits.py): the 5,000 MNIST digits shipped in assets/digits (the app's own
  split: 4,000 to train on, 1,000 held out), pixels in [0, 1] normalised with MNIST's mean
  0.1307 and std 0.3081, as its config tells the app.
- mood_gru (mood_gru.py) and mood_lstm (mood_lstm.py): negative or positive, from the rated
  sentences shipped in assets/heldout_sentences.tsv (VADER's held-out split, MIT; the only
  rated sentences in the repository): ratings above 0.5 are positive, below -0.5 negative, the
  rest left out; 85% to train on, 15% held out (seeded). The words are the app's word tokens
  (its config says tokens = "word"); the vocab is <unk> then every word seen at least twice in
  the training part, most frequent first, at most 1,000 lines (the embeddings' rows).
  Sentences are batched by length, so no padding is ever read.

Writes, beside this file: <name>.pt (a state_dict), <name>.toml (with the weights' sha256),
digits.txt (class names) and vocab.txt. Prints each model's held-out accuracy and time.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import mood_gru  # noqa: E402
import mood_lstm  # noqa: E402
import resdigits  # noqa: E402

from models.custom.config import TextSpec  # noqa: E402
from models.custom.text import tokenize  # noqa: E402
from models.digits.data import digit_set  # noqa: E402

SEED = 0
MEAN, STD = 0.1307, 0.3081
SENTENCES = ROOT / "assets" / "heldout_sentences.tsv"
MOODS = ("negative", "positive")
WORDS = TextSpec(tokens="word", vocab=Path("vocab.txt"), lowercase=True, unknown="<unk>")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(model: nn.Module, name: str) -> str:
    path = HERE / f"{name}.pt"
    torch.save({k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}, path)
    return sha256(path)


def train_digits() -> tuple[nn.Module, float]:
    digits = digit_set()
    images, labels = digits.tensors("train")
    test_images, test_labels = digits.tensors("test")
    x, x_test = ((images - MEAN) / STD)[:, None], ((test_images - MEAN) / STD)[:, None]
    torch.manual_seed(SEED)
    model = resdigits.build()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    epochs, batch = 3, 64
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, 3e-3, total_steps=epochs * -(-len(x) // batch)
    )
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), batch):
            pick = order[start : start + batch]
            loss = nn.functional.cross_entropy(model(x[pick]), labels[pick])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == test_labels).float().mean().item()
    return model, accuracy


def read_sentences() -> list[tuple[list[str], int]]:
    examples = []
    for line in SENTENCES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        rating, text = line.split("\t", 1)
        tokens = tokenize(text, WORDS)
        if abs(float(rating)) > 0.5 and tokens:
            examples.append((tokens, int(float(rating) > 0)))
    return examples


def make_vocab(train: list[tuple[list[str], int]], size: int) -> list[str]:
    counts = Counter(token for tokens, _ in train for token in tokens)
    frequent = sorted((t for t, n in counts.items() if n >= 2), key=lambda t: (-counts[t], t))
    return [WORDS.unknown, *frequent[: size - 1]]


def batches(
    examples: list[tuple[list[int], int]], rng: random.Random, size: int = 32
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of sentences of one length each (no padding), in a shuffled order."""
    by_length: dict[int, list[tuple[list[int], int]]] = {}
    for ids, label in examples:
        by_length.setdefault(len(ids), []).append((ids, label))
    out = []
    for group in by_length.values():
        rng.shuffle(group)
        for start in range(0, len(group), size):
            part = group[start : start + size]
            out.append((torch.tensor([ids for ids, _ in part]), torch.tensor([y for _, y in part])))
    rng.shuffle(out)
    return out


def train_text(
    model: nn.Module, train: list[tuple[list[int], int]], test: list[tuple[list[int], int]]
) -> float:
    rng = random.Random(SEED)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
    for _ in range(10):
        model.train()
        for ids, labels in batches(train, rng):
            loss = nn.functional.cross_entropy(model(ids), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    with torch.no_grad():
        right = sum(
            int(model(torch.tensor([ids])).argmax(1).item() == label) for ids, label in test
        )
    return right / len(test)


def write_config(name: str, text: str) -> None:
    (HERE / f"{name}.toml").write_text(text, encoding="utf-8")


def main() -> None:
    torch.set_num_threads(1)
    started = time.perf_counter()
    model, accuracy = train_digits()
    digest = save(model, "resdigits")
    (HERE / "digits.txt").write_text("".join(f"{d}\n" for d in range(10)), encoding="utf-8")
    write_config(
        "resdigits",
        f"""[model]
name = "resdigits"
title = "Residual digit reader"
kind = "cnn"
code = "resdigits.py"
builder = "build"
weights = "resdigits.pt"
sha256 = "{digest}"

[image]
size = 28
channels = 1
resize_short_side = 28
resample = "bilinear"
channel_order = "RGB"
mean = [{MEAN}]
std = [{STD}]

[classes]
file = "digits.txt"
""",
    )
    print(f"resdigits: held-out accuracy {accuracy:.3f}, {time.perf_counter() - started:.0f} s")

    examples = read_sentences()
    random.Random(SEED).shuffle(examples)
    cut = int(0.85 * len(examples))
    vocab = make_vocab(examples[:cut], mood_gru.VOCAB_SIZE)
    (HERE / "vocab.txt").write_text("".join(f"{token}\n" for token in vocab), encoding="utf-8")
    index = {token: i for i, token in enumerate(vocab)}

    def ids(part: list[tuple[list[str], int]]) -> list[tuple[list[int], int]]:
        return [([index.get(t, 0) for t in tokens], label) for tokens, label in part]

    train, test = ids(examples[:cut]), ids(examples[cut:])
    for name, module, title in (
        ("mood_gru", mood_gru, "Mood reader (bidirectional GRU)"),
        ("mood_lstm", mood_lstm, "Mood reader (two-layer LSTM)"),
    ):
        started = time.perf_counter()
        torch.manual_seed(SEED)
        model = module.build()
        accuracy = train_text(model, train, test)
        digest = save(model, name)
        write_config(
            name,
            f"""[model]
name = "{name}"
title = "{title}"
kind = "sequence"
code = "{name}.py"
builder = "build"
weights = "{name}.pt"
sha256 = "{digest}"

[text]
tokens = "word"
vocab = "vocab.txt"
lowercase = true
unknown = "{WORDS.unknown}"

[classes]
names = {json.dumps(list(MOODS))}
""",
        )
        print(
            f"{name}: held-out accuracy {accuracy:.3f} on {len(test)} sentences "
            f"({len(train)} trained on, vocab {len(vocab)}), {time.perf_counter() - started:.0f} s"
        )


if __name__ == "__main__":
    main()
