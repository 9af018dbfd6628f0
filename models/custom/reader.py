"""The recurrent layers of a brought sequence model, stepped by hand on any text, no hooks.

torch.fx traces the forward pass once (under the capture lock, graph_lock.py) into a graph in
which every nn.LSTM, nn.GRU and nn.RNN is one call; the graph is rewired to return, besides
the logits, each such layer's input, initial state and own output. Reading a text runs that
graph (the model's own modules, unchanged) and steps each layer by hand (recurrent.py) from
that input and state, so h of every layer and direction, c and the gates are the module's
own values; `difference` says how far the stepped outputs are from the module's (about 1e-7).
torch.export is not used here: it fixes the sequence length of an LSTM at the length traced.

Verdict after every token. It is given when the logits are a linear layer of the last
recurrent layer's state at one step, read as follows in the graph, from the logits back:
only reshaping or picking operations (indexing, view, reshape, squeeze, flatten, select,
narrow, contiguous, Dropout and Identity, which do nothing in eval mode) and exactly one
nn.Linear lie between the last recurrent call and the logits, and that layer reads in one
direction. Then, on the check's probe, the linear layer applied to the last layer's h at the
final step must give the logits (within 1e-5): this confirms that the step picked is the last
one. The verdict after token t is then that linear layer applied to h_t: for a model whose
layers all read forwards it is exactly what the model says about the text cut after token t.

Not stepped, with a message: nn.LSTMCell / nn.GRUCell / nn.RNNCell loops written by hand,
`proj_size`, packed sequences, a layer called twice, forward passes torch.fx cannot trace.
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass

import torch
from torch import fx, nn

from models.custom.graph_lock import graph_capture
from models.custom.recurrent import (
    RecurrentError,
    RecurrentSteps,
    check_steppable,
    kind_of,
    step_recurrent,
)

PICKING_FUNCTIONS = {
    operator.getitem,
    torch.flatten,
    torch.squeeze,
    torch.select,
    torch.narrow,
    torch.reshape,
}
PICKING_METHODS = {
    "view",
    "reshape",
    "squeeze",
    "unsqueeze",
    "contiguous",
    "flatten",
    "select",
    "narrow",
}
NO_OP_MODULES = (nn.Dropout, nn.Identity, nn.Flatten)
TOLERANCE = 1e-5


@dataclass(frozen=True)
class RecurrentLayer:
    path: str  # where it sits in the model ("encoder.rnn")
    kind: str  # "LSTM", "GRU" or "RNN"
    layers: int
    directions: int  # 1, or 2 when bidirectional
    units: int  # hidden size
    batch_first: bool

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind,
            "layers": self.layers,
            "directions": self.directions,
            "units": self.units,
            "batch_first": self.batch_first,
        }


@dataclass(frozen=True)
class SequenceRead:
    logits: torch.Tensor  # (1, K), the model's own
    steps: tuple[RecurrentSteps, ...]  # one per recurrent layer, in the order they run
    verdicts: torch.Tensor | None  # (T, K): the logits after each step of the last layer
    difference: float  # largest |stepped − module's own| over outputs and final states


@dataclass(frozen=True)
class SequenceReader:
    graph: fx.GraphModule  # returns (logits, then input, state, own output of each layer)
    modules: tuple[nn.RNNBase, ...]  # the model's own layers, read only
    layers: tuple[RecurrentLayer, ...]
    head: nn.Linear | None  # the verdict's linear layer, when the structure allows one
    verdict_note: str  # why there is a verdict after every token, or why not
    trace_seconds: float

    def read(self, ids: torch.Tensor) -> SequenceRead:
        """Every recurrent layer's states over the token ids (1, T), and the verdicts."""
        with torch.inference_mode():
            logits, *taps = self.graph(ids)
            steps, difference = [], 0.0
            for index, module in enumerate(self.modules):
                x, hx, own = taps[3 * index : 3 * index + 3]
                stepped = step_recurrent(module, x, hx)
                steps.append(stepped)
                difference = max(difference, _difference(stepped, own))
            verdicts = None
            if self.head is not None:
                verdicts = self.head(steps[-1].layers[-1][0]["h"][:, 0])  # (T, K)
                if not torch.allclose(verdicts[-1], logits[0], atol=TOLERANCE, rtol=TOLERANCE):
                    verdicts = None  # this text took a path the probe did not
        return SequenceRead(logits, tuple(steps), verdicts, difference)


def read_sequence_model(model: nn.Module, probe: torch.Tensor) -> SequenceReader:
    """The reader of `model` (eval mode), checked on the token ids `probe` (1, T)."""
    for path, module in model.named_modules():
        if isinstance(module, nn.RNNCellBase):
            raise RecurrentError(
                f"{path} is an nn.{type(module).__name__} run in a hand-written loop: the app "
                "steps whole nn.LSTM, nn.GRU and nn.RNN layers only"
            )
    paths = {module: path for path, module in model.named_modules()}
    started = time.perf_counter()
    with graph_capture():
        try:
            graph_module = fx.symbolic_trace(model)
        except Exception as error:
            first = (str(error).strip().splitlines() or [""])[0]
            raise RecurrentError(
                f"torch.fx cannot trace the forward pass: {type(error).__name__}: {first}"
            ) from error
    seconds = time.perf_counter() - started
    graph = graph_module.graph
    calls = [
        node
        for node in graph.nodes
        if node.op == "call_module" and kind_of(graph_module.get_submodule(node.target))
    ]
    if not calls:
        raise RecurrentError("the forward pass runs no nn.LSTM, nn.GRU or nn.RNN")
    modules = tuple(graph_module.get_submodule(node.target) for node in calls)
    for node, module in zip(calls, modules, strict=True):
        try:
            check_steppable(module)
        except RecurrentError as error:
            raise RecurrentError(f"{paths[module]}: {error}") from error
        if sum(other is module for other in modules) > 1:
            raise RecurrentError(f"{paths[module]} is called more than once in one pass")
        if len(node.args) + len(node.kwargs) > 2:
            raise RecurrentError(f"{paths[module]} is called with unexpected arguments")
    output = next(node for node in graph.nodes if node.op == "output")
    logits = output.args[0]
    if not isinstance(logits, fx.Node):
        raise RecurrentError("the forward pass must return one tensor of logits")
    taps: list[object] = [logits]
    for node in calls:
        hx = node.args[1] if len(node.args) > 1 else node.kwargs.get("hx")
        x = node.args[0] if node.args else node.kwargs.get("input")
        taps += [x, hx, node]
    output.args = (tuple(taps),)
    graph.lint()
    graph_module.recompile()
    layers = tuple(
        RecurrentLayer(
            path=paths[module],
            kind=kind_of(module) or "",
            layers=module.num_layers,
            directions=2 if module.bidirectional else 1,
            units=module.hidden_size,
            batch_first=module.batch_first,
        )
        for module in modules
    )
    reader = SequenceReader(graph_module, modules, layers, None, "", seconds)
    head, note = _head(graph_module, logits, calls[-1], modules[-1], paths)
    with torch.inference_mode():
        _, *values = graph_module(probe)
    for index, module in enumerate(modules):
        if isinstance(values[3 * index], nn.utils.rnn.PackedSequence):
            raise RecurrentError(
                f"{paths[module]} reads a packed sequence: the app steps plain tensors only"
            )
    read = reader.read(probe)
    with torch.inference_mode():
        own = model(probe)
    if not torch.allclose(read.logits, own, atol=TOLERANCE, rtol=TOLERANCE):
        raise RecurrentError(
            "the graph torch.fx traced gives other logits than the model (its forward "
            "branches on something tracing cannot see)"
        )
    if read.difference > TOLERANCE:
        raise RecurrentError(
            f"the stepped states differ from the layers' own by {read.difference:.2g}"
        )
    if head is not None:
        with torch.inference_mode():
            verdicts = head(read.steps[-1].layers[-1][0]["h"][:, 0])
        if not torch.allclose(verdicts[-1], read.logits[0], atol=TOLERANCE, rtol=TOLERANCE):
            head = None
            note = (
                f"no verdict per token: {paths[modules[-1]]}'s state at the last step, read "
                "by the linear layer, does not give the logits"
            )
    return SequenceReader(graph_module, modules, layers, head, note, seconds)


def _head(
    graph_module: fx.GraphModule,
    logits: fx.Node,
    last_call: fx.Node,
    last: nn.RNNBase,
    paths: dict[nn.Module, str],
) -> tuple[nn.Linear | None, str]:
    """The one linear layer between the last recurrent call and the logits, or why there is
    none (see the module docstring)."""
    name = paths[last]
    if last.bidirectional:
        return None, f"no verdict per token: {name} reads in both directions"
    linear: nn.Linear | None = None
    node: object = logits
    while node is not last_call:
        if not isinstance(node, fx.Node):
            return None, f"no verdict per token: the logits are not computed from {name} alone"
        if node.op == "call_module":
            module = graph_module.get_submodule(node.target)
            if isinstance(module, nn.Linear) and linear is None:
                linear = module
            elif not isinstance(module, NO_OP_MODULES):
                return None, (
                    f"no verdict per token: {paths.get(module, node.target)} "
                    f"({type(module).__name__}) lies between {name} and the logits"
                )
        elif not (
            (node.op == "call_function" and node.target in PICKING_FUNCTIONS)
            or (node.op == "call_method" and node.target in PICKING_METHODS)
        ):
            return None, f"no verdict per token: {node.target} lies between {name} and the logits"
        node = node.args[0] if node.args else None
    if linear is None or linear.in_features != last.hidden_size:
        return None, f"no verdict per token: no linear layer reads {name}'s state"
    return linear, f"a verdict after every token: {paths[linear]} reads {name}'s last state"


def _difference(stepped: RecurrentSteps, own: tuple) -> float:
    output, state = own
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    pairs = [(stepped.output, output), (stepped.h_n, h_n)]
    if c_n is not None and stepped.c_n is not None:
        pairs.append((stepped.c_n, c_n))
    return max(float((mine - theirs).abs().max()) for mine, theirs in pairs)
