"""Every block's output of a brought CNN, taken from the model's own graph: no hooks, no copies.

torch.export captures the forward pass as a graph of aten operations; run_decompositions({})
makes it functional, so in-place operations (ReLU(inplace=True), `out += shortcut`) become new
values and every value a tap holds is the one the block gave, not one overwritten later. Each
operation remembers the modules it ran inside (its nn_module_stack), which says which block it
belongs to. The blocks are the top-level children of the model in the order they run; while
fewer than MIN_MAPS of them give feature maps (B, C, H, W) of more than one pixel, each
nn.Sequential or nn.ModuleList among them is replaced by its children (so a model made of
`features` and `classifier` shows the layers inside). A block's output is the last value
computed inside one call of it that is used outside it. The graph's outputs are rewired to
(logits, every block output), parameters shared with the model, which is never changed.
Export runs once per model, under the process's capture lock (graph_lock.py), with any batch
size when the model allows it, else batch 1.

The head: when the logits are a linear layer of a global average pool of a block's output,
`head` gives that layer, so the class activation maps of that block follow (Zhou et al. 2016).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import fx, nn

from models.custom.graph_lock import graph_capture

MIN_MAPS = 4
QUIET_LOGGERS = ("torch.fx.experimental.symbolic_shapes", "torch._dynamo", "torch.export")
MAX_BATCH = 1024
aten = torch.ops.aten
# Operations that only reshape or copy a value on its way from the pool to the linear layer.
PASS_THROUGH = {
    aten.view.default,
    aten.reshape.default,
    aten._unsafe_view.default,
    aten.flatten.using_ints,
    aten.squeeze.dim,
    aten.squeeze.dims,
    aten.squeeze.default,
    aten.clone.default,
    aten.alias.default,
}


class TapError(RuntimeError):
    """The model's graph cannot be captured or tapped; the message says why, in one line."""


class ExportError(TapError):
    """torch.export cannot capture the forward pass (copy_taps.py may still tap a copy)."""


@dataclass(frozen=True)
class TapPoint:
    name: str  # the block's path in the model ("layer2.0"), "#2" for its second call
    module_type: str  # its class name ("Sequential", "BasicBlock")
    shape: tuple[int, ...]  # its output at batch 1, e.g. (1, 16, 14, 14)

    @property
    def is_map(self) -> bool:
        """A stack of feature maps (1, C, H, W)."""
        return len(self.shape) == 4


@dataclass(frozen=True)
class LinearHead:
    """logits = weight · mean over (h, w) of `stage`'s maps + bias."""

    stage: str
    weight: torch.Tensor  # (K, C), the model's own tensor: read only
    bias: torch.Tensor | None  # (K,)

    def class_maps(self, maps: torch.Tensor) -> torch.Tensor:
        """(K, h, w) maps from one picture's (C, h, w) maps; their spatial means are the logits."""
        out = torch.einsum("kc,chw->khw", self.weight, maps)
        return out if self.bias is None else out + self.bias[:, None, None]


@dataclass(frozen=True)
class CnnTaps:
    stages: tuple[tuple[str, torch.Tensor], ...]  # (name, output (B, ...)) per block, in order
    logits: torch.Tensor  # (B, K)
    x: torch.Tensor  # the input as run: with `grad`, a fresh leaf the gradients reach

    def stage(self, name: str) -> torch.Tensor:
        for stage, output in self.stages:
            if stage == name:
                return output
        raise KeyError(f"no stage {name!r}")


@dataclass(frozen=True)
class TappedCnn:
    graph: fx.GraphModule | nn.Module  # returns (logits, *block outputs)
    points: tuple[TapPoint, ...]
    head: LinearHead | None
    batched: bool  # any batch from 1 to MAX_BATCH; else batch 1 only
    export_seconds: float  # or, without export, the failed export and the copy's set-up
    input_shape: tuple[int, ...]  # (C, H, W) of one picture
    without_export: str | None = None  # why a private copy is run instead (copy_taps.py)

    @property
    def captured(self) -> fx.GraphModule | None:
        """The exported graph, or None when a private copy is run instead."""
        return self.graph if isinstance(self.graph, fx.GraphModule) else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(point.name for point in self.points)

    def run(self, x: torch.Tensor, *, grad: bool = False) -> CnnTaps:
        """Every block's output and the logits for x (B, C, H, W). With `grad`, the outputs
        carry gradients from x (torch.autograd.grad of a logit with respect to a stage works)."""
        if x.dim() != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"the input must be (B, {', '.join(map(str, self.input_shape))})")
        if not 1 <= x.shape[0] <= (MAX_BATCH if self.batched else 1):
            raise ValueError(f"the batch must be 1 to {MAX_BATCH if self.batched else 1}")
        if grad:
            with torch.enable_grad():
                x = x.detach().clone().requires_grad_(True)
                logits, *outputs = self.graph(x)
        else:
            with torch.inference_mode():
                logits, *outputs = self.graph(x)
        return CnnTaps(tuple(zip(self.names, outputs, strict=True)), logits, x)


def tap_cnn(model: nn.Module, example: torch.Tensor) -> TappedCnn:
    """The tapped graph of `model` (eval mode) for inputs shaped like `example` (1, C, H, W)."""
    started = time.perf_counter()
    with graph_capture(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's own deprecations, not the model's
        program, batched = _export(model, example)
        graph_module = program.module()
    seconds = time.perf_counter() - started
    graph = graph_module.graph
    output = next(node for node in graph.nodes if node.op == "output")
    results = output.args[0]
    if not isinstance(results, tuple | list) or len(results) != 1:
        raise TapError("the forward pass must return one tensor of logits")
    logits = results[0]
    taps = _taps(model, graph, logits)
    if not taps:
        raise TapError("no block of the model computes anything the logits use")
    output.args = ((logits, *(node for _, node in taps)),)
    graph._codegen = fx.graph.CodeGen()  # plain positional inputs, a tuple out
    _lighten(graph_module)
    graph.lint()
    graph_module.recompile()
    points = tuple(
        TapPoint(name, _module_type(model, name), tuple(node.meta["val"].shape[1:]))
        for name, node in taps
    )
    shape = tuple(example.shape[1:])
    tapped = TappedCnn(graph_module, points, None, batched, seconds, shape)
    result = tapped.run(example)
    with torch.inference_mode():
        own = model(example)
    difference = float((result.logits - own).abs().max())
    if difference > 1e-4 * max(1.0, float(own.abs().max())):
        raise TapError(f"the captured graph's logits differ from the model's by {difference:.2g}")
    points = tuple(
        TapPoint(point.name, point.module_type, tuple(output.shape))
        for point, (_, output) in zip(points, result.stages, strict=True)
    )
    head = _linear_head(graph_module, logits, dict((node, name) for name, node in taps))
    if head is not None and not _head_fits(head, result):
        head = None
    return TappedCnn(graph_module, points, head, batched, seconds, shape)


def _lighten(graph_module: fx.GraphModule) -> None:
    """Cut the graph's fixed cost per call, which a small model feels (about 1.3x its plain
    forward at one 28x28 picture): each weight is fetched through a chain of submodule lookups
    (`getattr(getattr(self.features, "0"), "1").bias`) on every call, so each is put in the
    graph module's own __dict__ under a flat name (the same tensor: nothing is copied); the
    export's input guard goes, TappedCnn.run checks the input's shape itself."""
    graph = graph_module.graph
    for node in list(graph.nodes):
        if node.op == "call_module" and str(node.target).startswith("_guards") and not node.users:
            graph.erase_node(node)
    for index, node in enumerate([n for n in graph.nodes if n.op == "get_attr"]):
        flat = f"_tensor_{index}"
        object.__setattr__(graph_module, flat, _attribute(graph_module, node.target))
        node.target = flat


@contextlib.contextmanager
def _quiet_torch() -> Iterator[None]:
    """torch says nothing on stderr while an export runs (its loggers nothing below ERROR):
    a forward it cannot follow makes it print the partial graph to sys.stderr, and the one-line
    message says what matters. Logging handlers keep their own stream, so only torch's direct
    prints are swallowed (exports run under the capture lock, at start-up)."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _export(model: nn.Module, example: torch.Tensor) -> tuple[torch.export.ExportedProgram, bool]:
    """The decomposed program, for any batch size if the model allows it, else for batch 1."""
    with _quiet_torch():
        return _export_loudly(model, example)


def _export_loudly(
    model: nn.Module, example: torch.Tensor
) -> tuple[torch.export.ExportedProgram, bool]:
    pair = torch.cat([example, example])  # a batch of 1 would be specialised to 1
    batch = torch.export.Dim("batch", min=1, max=MAX_BATCH)
    try:
        program = torch.export.export(model, (pair,), dynamic_shapes=({0: batch},))
        return program.run_decompositions({}), True
    except Exception:  # the model fixes its batch somewhere (a view(1, -1)): try batch 1
        pass
    try:
        return torch.export.export(model, (example,)).run_decompositions({}), False
    except Exception as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise ExportError(
            f"torch.export cannot capture this model's forward pass: {type(error).__name__}: "
            f"{first}"
        ) from error


def _paths(node: fx.Node) -> list[str]:
    """The modules `node` ran inside, outermost first (the model itself is '')."""
    stack = node.meta.get("nn_module_stack") or {}
    return [path for path, _ in stack.values()]


def _parent(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


def _taps(model: nn.Module, graph: fx.Graph, logits: fx.Node) -> list[tuple[str, fx.Node]]:
    """(name, output node) of the blocks to tap, in the order they run (see the docstring)."""
    order: dict[str, None] = {}
    for node in graph.nodes:
        if node.op == "call_function":
            order.update((path, None) for path in _paths(node) if path)

    def children(path: str) -> list[str]:
        return [child for child in order if _parent(child) == path]

    blocks = children("")
    while True:
        taps = [(name, node) for name, node in _block_outputs(blocks, graph) if node is not logits]
        if sum(_is_map(node) for _, node in taps) >= MIN_MAPS:
            return taps
        expanded: list[str] = []
        for block in blocks:
            inner = children(block)
            container = isinstance(_submodule(model, block), nn.Sequential | nn.ModuleList)
            expanded.extend(inner if container and inner else [block])
        if expanded == blocks:
            return taps
        blocks = expanded


def _is_map(node: fx.Node) -> bool:
    """The value is feature maps (B, C, H, W) larger than one pixel."""
    shape = node.meta["val"].shape
    return len(shape) == 4 and shape[-1] * shape[-2] > 1


def _submodule(model: nn.Module, path: str) -> nn.Module | None:
    try:
        return model.get_submodule(path)
    except AttributeError:
        return None


def _module_type(model: nn.Module, name: str) -> str:
    module = _submodule(model, name.split("#")[0])
    return type(module).__name__ if module is not None else ""


def _block_outputs(blocks: list[str], graph: fx.Graph) -> list[tuple[str, fx.Node]]:
    """(name, node) of each call of each block: the last value of the call used outside it."""
    runs: list[tuple[str, list[fx.Node]]] = []
    current: str | None = None
    for node in graph.nodes:
        if node.op != "call_function":
            continue
        inside = set(_paths(node))
        block = next((block for block in blocks if block in inside), None)
        if block is not None and block == current:
            runs[-1][1].append(node)
        elif block is not None:
            runs.append((block, [node]))
        current = block
    calls: dict[str, int] = {}
    for block, _ in runs:
        calls[block] = calls.get(block, 0) + 1
    seen: dict[str, int] = {}
    outputs = []
    for block, nodes in runs:
        members = set(nodes)
        leaving = [
            node
            for node in nodes
            if isinstance(node.meta.get("val"), torch.Tensor)
            and any(user not in members for user in node.users)
        ]
        seen[block] = seen.get(block, 0) + 1
        if leaving:
            name = block if calls[block] == 1 else f"{block}#{seen[block]}"
            outputs.append((name, leaving[-1]))
    return outputs


def _linear_head(
    graph_module: fx.GraphModule, logits: fx.Node, stages: dict[fx.Node, str]
) -> LinearHead | None:
    """The linear layer on a global average pool of a stage, if that is how the logits end."""
    if logits.target != aten.linear.default:
        return None
    source, weight, *rest = logits.args
    bias = rest[0] if rest else None
    if weight.op != "get_attr" or (bias is not None and bias.op != "get_attr"):
        return None
    while isinstance(source, fx.Node) and source.target in PASS_THROUGH:
        source = source.args[0]
    if not isinstance(source, fx.Node):
        return None
    global_pool = (
        source.target == aten.adaptive_avg_pool2d.default and list(source.args[1]) == [1, 1]
    ) or (source.target == aten.mean.dim and {d % 4 for d in source.args[1]} == {2, 3})
    if not global_pool:
        return None
    pooled = source.args[0]
    if pooled not in stages:
        return None
    return LinearHead(
        stage=stages[pooled],
        weight=_attribute(graph_module, weight.target),
        bias=None if bias is None else _attribute(graph_module, bias.target),
    )


def _attribute(graph_module: fx.GraphModule, target: str) -> torch.Tensor:
    return functools.reduce(getattr, target.split("."), graph_module)


def _head_fits(head: LinearHead, taps: CnnTaps) -> bool:
    """The class maps' means give back the logits (the pattern was read right)."""
    maps = taps.stage(head.stage)[0]
    means = head.class_maps(maps).mean(dim=(-2, -1))
    return bool(torch.allclose(means, taps.logits[0], atol=1e-4, rtol=1e-4))
