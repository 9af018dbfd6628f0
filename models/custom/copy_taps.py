"""Block outputs of a brought CNN that torch.export cannot capture, from a private copy.

When export fails (a forward that branches on a tensor's value, say), the model is deep-copied
once and only the copy is ever run or touched: the shared module gets no hook and is never
called here but once, for the logits the copy must give back. The blocks are chosen as
taps.py chooses them: the top-level children, and while fewer than MIN_MAPS of their outputs
are feature maps of more than one pixel, the children of each nn.Sequential or nn.ModuleList
among them.

- A plain chain, an nn.Sequential that does not override forward: its blocks are run one after
  another on the copy, each block's output kept and a clone of it fed on, so a later in-place
  operation (ReLU(inplace=True)) cannot overwrite a kept value. The chain's logits must be the
  model's own; an nn.Sequential with a forward of its own whose logits differ is refused, in
  one line.
- Anything else: a forward hook on each block of the copy keeps the block's output and hands a
  clone of it on (a `+=` after the block changes the clone, not the kept value; gradients
  still flow through it). What the hooks keep lives in a thread-local list: the copy is shared
  by every session, one forward per thread at a time.

Either way the copy runs one picture at a time (a forward that branches on a value would
branch on the whole batch), and the graph-read extras (class maps, receptive fields from the
graph, the first filters) are not there.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator

import torch
from torch import nn

from models.custom.taps import MIN_MAPS, TapError, TappedCnn, TapPoint

TOLERANCE = 1e-4


class ChainRunner(nn.Module):
    """x -> (logits, every block's output): the copy's blocks run one after another."""

    def __init__(self, blocks: list[tuple[str, nn.Module]]) -> None:
        super().__init__()
        self.names = [name for name, _ in blocks][:-1]  # the last block's output: the logits
        self.blocks = nn.ModuleList([block for _, block in blocks])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = []
        for block in self.blocks:
            x = block(x)
            outputs.append(x)
            x = x.clone()  # what the next block does in place stays off the kept value
        return (x, *outputs[:-1])


class HookRunner(nn.Module):
    """x -> (logits, every block call's output), kept by forward hooks on the private copy."""

    def __init__(self, model: nn.Module, blocks: list[tuple[str, nn.Module]]) -> None:
        super().__init__()
        self.model = model
        self._kept = threading.local()
        self.order: list[str] = []  # the block calls of the last build run, for the names
        for name, block in blocks:
            block.register_forward_hook(self._keeper(name))

    def _keeper(self, name: str) -> Callable[[nn.Module, object, object], object]:
        def keep(_module: nn.Module, _inputs: object, output: object) -> object:
            if not isinstance(output, torch.Tensor):
                return None
            passed = output.clone()
            self._kept.calls.append((name, output, passed))
            return passed

        return keep

    def calls(self, x: torch.Tensor) -> tuple[torch.Tensor, list[tuple[str, torch.Tensor]]]:
        """The logits and (block, output) of every block call whose output is not the logits."""
        self._kept.calls = []
        try:
            logits = self.model(x)
            calls = self._kept.calls
        finally:
            self._kept.calls = []
        return logits, [(name, kept) for name, kept, passed in calls if passed is not logits]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits, calls = self.calls(x)
        if self.order and len(calls) != len(self.order):
            raise ValueError(
                f"this picture took another path through the model's blocks ({len(calls)} "
                f"block calls, {len(self.order)} on the probe): its stages cannot be lined up"
            )
        return (logits, *(output for _, output in calls))


def tap_private_copy(
    model: nn.Module, example: torch.Tensor, reason: str, spent: float = 0.0
) -> TappedCnn:
    """The block outputs of a private copy of `model` (see the module docstring), the tapped
    forward served `without_export` for `reason` (`spent`: seconds the failed export took);
    TapError when they cannot be had."""
    started = time.perf_counter() - spent
    private = copy.deepcopy(model).eval().requires_grad_(False)
    with torch.inference_mode():
        own = model(example)
    blocks = list(_blocks(private, example))
    plain = isinstance(private, nn.Sequential) and type(private).forward is nn.Sequential.forward
    runner: ChainRunner | HookRunner
    if isinstance(private, nn.Sequential):
        runner = ChainRunner(blocks)
    else:
        runner = HookRunner(private, blocks)
    with torch.inference_mode():
        logits, *outputs = runner(example)
    difference = float((logits - own).abs().max())
    if difference > TOLERANCE * max(1.0, float(own.abs().max())):
        how = (
            "its blocks run one after another give"
            if isinstance(runner, ChainRunner)
            else ("a copy of it gives")
        )
        raise TapError(
            f"served without its stages: {reason}; and {how} logits that differ from its own by "
            f"{difference:.2g}"
            + ("" if plain else " (its forward does more than call its children in order)")
        )
    if isinstance(runner, HookRunner):
        runner.order = _call_names(runner, example)
    names = runner.names if isinstance(runner, ChainRunner) else runner.order
    if not outputs:
        raise TapError(f"served without its stages: {reason}; and no block of it runs as a module")
    points = tuple(
        TapPoint(name, _type_of(private, name), tuple(output.shape))
        for name, output in zip(names, outputs, strict=True)
    )
    seconds = time.perf_counter() - started
    return TappedCnn(
        runner, points, None, False, seconds, tuple(example.shape[1:]), without_export=reason
    )


def _blocks(model: nn.Module, example: torch.Tensor) -> Iterator[tuple[str, nn.Module]]:
    """(path, module) of the blocks to keep, in the order the model holds them."""
    blocks = list(model.named_children())
    while True:
        maps = _map_count(model, blocks, example)
        expanded: list[tuple[str, nn.Module]] = []
        for name, block in blocks:
            inner = [(f"{name}.{child}", module) for child, module in block.named_children()]
            container = isinstance(block, nn.ModuleList) or (
                isinstance(block, nn.Sequential) and type(block).forward is nn.Sequential.forward
            )
            expanded.extend(inner if container and inner else [(name, block)])
        if maps >= MIN_MAPS or [n for n, _ in expanded] == [n for n, _ in blocks]:
            yield from blocks
            return
        blocks = expanded


def _map_count(model: nn.Module, blocks: list[tuple[str, nn.Module]], x: torch.Tensor) -> int:
    """How many of the blocks' calls give feature maps of more than one pixel (by hooks on the
    private copy, removed at once)."""
    count = 0

    def seen(_module: nn.Module, _inputs: object, output: object) -> None:
        nonlocal count
        if isinstance(output, torch.Tensor) and output.dim() == 4:
            count += output.shape[-1] * output.shape[-2] > 1

    handles = [block.register_forward_hook(seen) for _, block in blocks]
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return count


def _call_names(runner: HookRunner, example: torch.Tensor) -> list[str]:
    """The name of each kept block call: its path, with "#n" for the n-th call of a block
    called more than once (as taps.py names them)."""
    with torch.inference_mode():
        _, calls = runner.calls(example)
    total: dict[str, int] = {}
    for name, _ in calls:
        total[name] = total.get(name, 0) + 1
    seen: dict[str, int] = {}
    names = []
    for name, _ in calls:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if total[name] == 1 else f"{name}#{seen[name]}")
    return names


def _type_of(model: nn.Module, name: str) -> str:
    try:
        return type(model.get_submodule(name.split("#")[0])).__name__
    except AttributeError:
        return ""
