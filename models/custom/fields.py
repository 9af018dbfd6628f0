"""Receptive fields of a brought CNN's stages, read from its captured graph (taps.py).

Every value computed from the picture carries, per axis, the size r of what one unit sees, the
step j between neighbouring units and the centre c of unit 0, in input pixels (pixel i spans
i..i+1, as in models/cnn/geometry.py). Walking the graph in order:

- a convolution or pooling (kernel k, dilation d: k' = d(k - 1) + 1, stride s, padding p):
  r += (k' - 1) j,  c += ((k' - 1) / 2 - p) j,  j *= s  (geometry.py's recurrence);
- an adaptive pooling whose input side is a whole multiple of its output's, and a mean over
  both axes of a map: a pooling of kernel and stride input / output;
- a constant padding of p pixels before the first: c -= p j;
- any operation whose maps keep their size (batch norm, ReLU, a residual sum, a channel
  concatenation): the union of its inputs' fields. Where the graph is not a chain, a unit sees
  what its widest branch sees: the longest-path rule of the shipped models' geometry.

Anything else on the way (an upsampling, a reshape through another shape, a map broadcast onto
a larger one) leaves the fields after it unknown: those stages have no field, and the page
says so rather than guessing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
from torch import fx

from models.cnn.geometry import ReceptiveField
from models.custom.taps import TappedCnn

aten = torch.ops.aten
CONVOLUTIONS = {aten.conv2d.default, aten.conv2d.padding, aten.convolution.default}
POOLS = {
    aten.max_pool2d.default,
    aten.max_pool2d_with_indices.default,
    aten.avg_pool2d.default,
}
ADAPTIVE_POOLS = {
    aten.adaptive_avg_pool2d.default,
    aten._adaptive_avg_pool2d.default,
    aten.adaptive_max_pool2d.default,
}
GLOBAL_REDUCTIONS = {aten.mean.dim, aten.amax.default, aten.sum.dim_IntList}
PADS = {aten.constant_pad_nd.default}
# Operations that keep a map's size but move its pixels: no unit sees what it saw before.
MOVES_PIXELS = {
    aten.flip.default,
    aten.roll.default,
    aten.permute.default,
    aten.transpose.int,
    aten.view.default,
    aten.reshape.default,
    aten._unsafe_view.default,
    aten.index.Tensor,
    aten.gather.default,
    aten.grid_sampler_2d.default,
}


@dataclass(frozen=True)
class Axis:
    size: float  # input pixels one unit sees along this axis
    jump: float  # input pixels between neighbouring units
    centre: float  # where unit 0's field is centred, in input pixels

    def through(self, kernel: int, stride: int, pad: int, dilation: int = 1) -> Axis:
        reach = dilation * (kernel - 1)
        return Axis(
            self.size + reach * self.jump,
            self.jump * stride,
            self.centre + (reach / 2 - pad) * self.jump,
        )


Field = tuple[Axis, Axis]  # rows, columns
PIXEL = Axis(1.0, 1.0, 0.5)


def stage_fields(taps: TappedCnn) -> dict[str, ReceptiveField]:
    """Stage name -> its receptive field, for the stages of feature maps whose field is known
    and the same along both axes, in stage order (none without an exported graph)."""
    if taps.captured is None:
        return {}
    graph = taps.captured.graph
    fields: dict[fx.Node, Field | None] = {}  # None: computed from the input, field unknown
    for node in graph.nodes:
        if node.op == "placeholder":
            fields[node] = (PIXEL, PIXEL)
        elif node.op == "call_function" and _tensor(node) is not None:
            sources = [source for source in node.all_input_nodes if source in fields]
            if sources:  # computed from the input (not from weights alone)
                known = [fields[source] for source in sources]
                fields[node] = None if None in known else _through(node, sources, known)
    output = next(node for node in graph.nodes if node.op == "output")
    found: dict[str, ReceptiveField] = {}
    for point, node in zip(taps.points, output.args[0][1:], strict=True):
        field = fields.get(node)
        if not point.is_map or field is None or field[0] != field[1]:
            continue
        axis = field[0]
        found[point.name] = ReceptiveField(
            point.name, round(axis.size), round(axis.jump), axis.centre, point.shape[-1]
        )
    return found


def _tensor(node: fx.Node) -> torch.Tensor | None:
    """The node's value as captured (a tuple's first tensor: batch norm, max pool), if any."""
    value = node.meta.get("val")
    if isinstance(value, tuple | list):
        value = next((v for v in value if isinstance(v, torch.Tensor)), None)
    return value if isinstance(value, torch.Tensor) else None


def _spatial(node: fx.Node) -> tuple[int, int] | None:
    value = _tensor(node)
    if value is None or value.dim() != 4:
        return None
    return int(value.shape[-2]), int(value.shape[-1])


def _arguments(node: fx.Node) -> dict[str, object]:
    """The node's arguments by name, defaults filled in from the operator's schema."""
    schema = node.target._schema  # type: ignore[union-attr]
    found: dict[str, object] = {}
    for index, argument in enumerate(schema.arguments):
        if index < len(node.args):
            found[argument.name] = node.args[index]
        elif argument.name in node.kwargs:
            found[argument.name] = node.kwargs[argument.name]
        elif argument.has_default_value():
            found[argument.name] = argument.default_value
    return found


def _pair(value: object, default: int) -> tuple[int, int]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    if not values:
        return default, default
    return (int(values[0]), int(values[-1]))


def _through(node: fx.Node, sources: list[fx.Node], known: list[Field]) -> Field | None:
    """The field of `node`'s output from its inputs' fields; None when it cannot be told."""
    target = node.target
    if target is operator.getitem:
        return known[0]
    out = _spatial(node)
    if out is None or target in MOVES_PIXELS:
        return None
    main = node.args[0] if node.args else None
    if target in CONVOLUTIONS | POOLS | ADAPTIVE_POOLS | GLOBAL_REDUCTIONS | PADS:
        if main not in sources or len(sources) != 1:
            return None
        rows, cols = known[0]
        windows = _windows(node, main)
        if windows is None:
            return None
        (k_r, s_r, p_r, d_r), (k_c, s_c, p_c, d_c) = windows
        return rows.through(k_r, s_r, p_r, d_r), cols.through(k_c, s_c, p_c, d_c)
    # An operation that keeps the maps' size: each unit sees what its inputs' units see.
    if any(_spatial(source) != out for source in sources):
        return None
    rows, cols = _union([field[0] for field in known]), _union([field[1] for field in known])
    return None if rows is None or cols is None else (rows, cols)


Window = tuple[int, int, int, int]  # kernel, stride, padding before, dilation


def _windows(node: fx.Node, main: fx.Node) -> tuple[Window, Window] | None:
    """(rows, columns) windows of a convolution, pooling, padding or global reduction."""
    args = _arguments(node)
    target = node.target
    size_in, size_out = _spatial(main), _spatial(node)
    if size_in is None or size_out is None:
        return None
    if target in CONVOLUTIONS:
        if args.get("transposed"):
            return None
        weight = _tensor(args["weight"]) if isinstance(args["weight"], fx.Node) else None
        if weight is None or weight.dim() != 4:
            return None
        kernel = (int(weight.shape[-2]), int(weight.shape[-1]))
        stride = _pair(args["stride"], 1)
        dilation = _pair(args["dilation"], 1)
        padding = args["padding"]
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":  # torch puts the odd pixel after
            padding = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel, strict=True))
        pad = _pair(padding, 0)
        return tuple(  # type: ignore[return-value]
            (kernel[i], stride[i], pad[i], dilation[i]) for i in range(2)
        )
    if target in POOLS:
        kernel = _pair(args["kernel_size"], 1)
        stride = _pair(args["stride"], 0)
        stride = stride if stride[0] else kernel  # an empty stride is the kernel
        pad = _pair(args["padding"], 0)
        dilation = _pair(args.get("dilation", 1), 1)
        return tuple(  # type: ignore[return-value]
            (kernel[i], stride[i], pad[i], dilation[i]) for i in range(2)
        )
    if target in PADS:
        pads = list(args["pad"])  # (left, right, top, bottom, ...), last axis first
        if len(pads) < 4 or any(p < 0 for p in pads[:4]):
            return None
        return (1, 1, pads[2], 1), (1, 1, pads[0], 1)
    if target in GLOBAL_REDUCTIONS:
        dims = args.get("dim")
        if not dims or {int(d) % 4 for d in dims} != {2, 3} or size_out != (1, 1):
            return None
    if any(i % o for i, o in zip(size_in, size_out, strict=True)):
        return None  # an adaptive pool whose windows overlap or vary: no single geometry
    return tuple(  # type: ignore[return-value]
        (i // o, i // o, 0, 1) for i, o in zip(size_in, size_out, strict=True)
    )


def _union(axes: list[Axis]) -> Axis | None:
    """The field that covers all of `axes`, which must step alike."""
    if any(axis.jump != axes[0].jump for axis in axes):
        return None
    low = min(axis.centre - axis.size / 2 for axis in axes)
    high = max(axis.centre + axis.size / 2 for axis in axes)
    return Axis(high - low, axes[0].jump, (low + high) / 2)
