"""Which words mattered to a brought sequence model's verdict: integrated gradients and leaving
one word out, on the log-probability of the class it predicts for the whole text.

Gradients need the word vectors as an input. The reader's traced graph (reader.py) is copied
twice: once up to the model's nn.Embedding (ids -> word vectors) and once with that
embedding's output turned into an input ((ids, word vectors) -> logits). Both run the model's
own modules, unchanged; the gradient is taken on a fresh tensor of word vectors, never on the
shared model's parameters, and nothing is traced again (a copy of a graph needs no capture
lock). The copies are checked on the reader's probe: they must give the model's own logits.

- Integrated gradients: from a baseline of all-zero word vectors to the text's, the m-point
  midpoint rule, 16 points doubled up to 512 until the attributions add up to the score's
  change within 1% (as models/sequence/attribution.py does for the app's own readers). The
  path's points are run 32 at a time, the first batch with the text itself as one more row
  that must give the model's logits; a model written for one sequence at a time is run point
  by point.
- Leave one word out: the log-probability minus that of the text without the word (a text of
  one word: minus that of its zero vector).

A model whose ids reach its logits through no nn.Embedding, or through several, or whose
gradient cannot be taken (found on the probe, once), gets a note instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import fx, nn

from models.custom.reader import TOLERANCE, SequenceReader
from models.sequence.attribution import IG_MAX_STEPS, IG_STEPS, IG_TOLERANCE, Attribution

TARGET = "log p({name}), the log-probability of its verdict,"
BATCH = 32  # points of the path run together: a batch's activations stay small
BASELINE = "that of the same text with every word vector zero"


@dataclass(frozen=True)
class WordGradients:
    vectors: fx.GraphModule  # ids (1, T) -> the embedding's output, the word vectors
    logits: fx.GraphModule  # (ids, word vectors) -> logits (B, K)
    model: nn.Module  # the whole model, for the texts without one word (read only)

    def attribute(
        self, ids: torch.Tensor, tokens: tuple[str, ...], target: int, name: str
    ) -> tuple[Attribution, Attribution]:
        """(integrated gradients, leave one word out) of the log-probability of class `target`
        (called `name`) on the token ids (1, T)."""
        with torch.inference_mode():
            vectors = self.vectors(ids)
        values, score, base, steps = _integrated_gradients(self, ids, vectors, target)
        left_out, _ = _occlusion(self, ids, vectors, target)
        labels = {"target": TARGET.format(name=name), "baseline_of": BASELINE}
        return (
            Attribution("ig", tokens, values, score, base, steps, **labels),
            Attribution("occlusion", tokens, left_out, score, float("nan"), **labels),
        )


def word_gradients(
    reader: SequenceReader, model: nn.Module, probe: torch.Tensor
) -> WordGradients | str:
    """The two graphs for `reader`'s model, or why there are none (one line)."""
    source = reader.graph
    embeddings = [
        node
        for node in source.graph.nodes
        if node.op == "call_module" and isinstance(source.get_submodule(node.target), nn.Embedding)
    ]
    if len(embeddings) != 1:
        found = "no nn.Embedding" if not embeddings else f"{len(embeddings)} nn.Embedding layers"
        return (
            f"Which words mattered is not shown: the model reads its word ids through {found}, "
            "and the app attributes through exactly one."
        )
    embedding = embeddings[0]
    logits = next(node for node in source.graph.nodes if node.op == "output").args[0][0]
    try:
        gradients = WordGradients(
            _copy(source, embedding, lambda env: env[embedding]),
            _copy(source, embedding, lambda env: env[logits], as_input=True),
            model,
        )
        with torch.inference_mode():
            own = model(probe)
            again = gradients.logits(probe, gradients.vectors(probe))
    except Exception as error:
        return f"Which words mattered is not shown: {_one_line(error)}."
    if again.shape != own.shape or not torch.allclose(again, own, atol=TOLERANCE, rtol=TOLERANCE):
        return (
            "Which words mattered is not shown: the model's logits cannot be recomputed from "
            "its word vectors alone."
        )
    try:  # once on the probe: what fails here would fail on every text
        gradients.attribute(probe, tuple(map(str, probe[0].tolist())), 0, "")
    except Exception as error:
        return (
            f"Which words mattered is not shown: its gradient cannot be taken ({_one_line(error)})."
        )
    return gradients


def _one_line(error: Exception) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"


def _copy(
    source: fx.GraphModule,
    embedding: fx.Node,
    result: Callable[[dict[fx.Node, fx.Node]], fx.Node],
    as_input: bool = False,
) -> fx.GraphModule:
    """A copy of `source`'s graph returning `result`; with `as_input`, the embedding's output is
    the second input (word vectors) instead of being computed."""
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    placeholders = [node for node in source.graph.nodes if node.op == "placeholder"]
    for index, node in enumerate(placeholders):
        env[node] = graph.node_copy(node)
        if index == 0 and as_input:
            env[embedding] = graph.placeholder("word_vectors")
    for node in source.graph.nodes:
        if node.op in ("placeholder", "output") or node in env:
            continue
        env[node] = graph.node_copy(node, lambda argument: env[argument])
    graph.output(result(env))
    module = fx.GraphModule(source, graph)
    module.graph.eliminate_dead_code()  # the reader's taps, not needed here
    module.graph.lint()
    module.recompile()
    return module


def _log_prob(logits: torch.Tensor, target: int) -> torch.Tensor:
    return torch.log_softmax(logits, dim=-1)[:, target]


def _integrated_gradients(
    gradients: WordGradients, ids: torch.Tensor, vectors: torch.Tensor, target: int
) -> tuple[np.ndarray, float, float, int]:
    """(values (T,), score, baseline score, points), doubling the points as the module
    docstring says."""
    steps = IG_STEPS
    while True:
        values, score, base = _path(gradients, ids, vectors, target, steps)
        gap = score - base
        error = abs(float(values.sum()) - gap) / max(abs(gap), 1e-12)
        if error <= IG_TOLERANCE or steps >= IG_MAX_STEPS:
            return values, score, base, steps
        steps *= 2


def _path(
    gradients: WordGradients, ids: torch.Tensor, vectors: torch.Tensor, target: int, steps: int
) -> tuple[np.ndarray, float, float]:
    with torch.inference_mode(False), torch.enable_grad():
        vectors = vectors.clone()  # a normal tensor: one made in inference mode takes no grad
        baseline = torch.zeros_like(vectors)
        alphas = ((torch.arange(steps, dtype=vectors.dtype) + 0.5) / steps).tolist()
        grads = None
        if vectors.dim() == 3 and tuple(vectors.shape[:2]) == tuple(ids.shape):  # (1, T, E)
            grads = _batched_gradients(gradients, ids, vectors, alphas, target)
        if grads is None:
            grads = torch.zeros_like(vectors)
            for alpha in alphas:
                point = (alpha * vectors).requires_grad_(True)
                (grad,) = torch.autograd.grad(
                    _log_prob(gradients.logits(ids, point), target).sum(), point
                )
                grads += grad / steps
        with torch.no_grad():
            score = float(_log_prob(gradients.logits(ids, vectors), target)[0])
            base = float(_log_prob(gradients.logits(ids, baseline), target)[0])
    values = (vectors * grads).sum(dim=-1).detach().double().reshape(-1)  # summed over E
    if values.numel() != ids.shape[1]:
        raise ValueError(f"the word vectors hold {values.numel()} words for {ids.shape[1]} ids")
    return values.numpy(), score, base


def _batched_gradients(
    gradients: WordGradients,
    ids: torch.Tensor,
    vectors: torch.Tensor,
    alphas: list[float],
    target: int,
) -> torch.Tensor | None:
    """The mean gradient over the path's points, BATCH points at a time, or None when the model
    does not read a batch row by row: the first batch carries the text itself as one more row,
    which must give the model's logits."""
    with torch.no_grad():
        own = gradients.logits(ids, vectors)
    total = torch.zeros_like(vectors)
    for start in range(0, len(alphas), BATCH):
        chunk = alphas[start : start + BATCH]
        rows = chunk + ([1.0] if start == 0 else [])
        points = (torch.tensor(rows, dtype=vectors.dtype).view(-1, 1, 1) * vectors).requires_grad_()
        try:
            logits = gradients.logits(ids.expand(len(rows), -1), points)
        except Exception:  # a forward written for one sequence at a time
            return None
        if logits.shape != (len(rows), own.shape[1]):
            return None
        if start == 0 and not torch.allclose(logits[-1:], own, atol=TOLERANCE, rtol=TOLERANCE):
            return None
        (grads,) = torch.autograd.grad(_log_prob(logits[: len(chunk)], target).sum(), points)
        total += grads[: len(chunk)].sum(dim=0, keepdim=True)
    return total / len(alphas)


def _occlusion(
    gradients: WordGradients, ids: torch.Tensor, vectors: torch.Tensor, target: int
) -> tuple[np.ndarray, float]:
    """(values (T,), score): the log-probability minus that of the text without each word."""
    count = ids.shape[1]
    with torch.inference_mode():
        score = float(_log_prob(gradients.model(ids), target)[0])
        if count == 1:
            zeros = torch.zeros_like(vectors)
            without = [float(_log_prob(gradients.logits(ids, zeros), target)[0])]
        else:
            keep = ~torch.eye(count, dtype=torch.bool)  # row t drops token t
            without = [
                float(_log_prob(gradients.model(ids[:, keep[t]]), target)[0]) for t in range(count)
            ]
    return score - np.asarray(without, dtype=np.float64), score
