"""A brought CNN as the CNN page and the command line read a model: a spec and its analyses.

`OwnCnn` answers what the shipped specs (models/cnn/registry.py) answer: a title, the stages,
a line about the model, the picture as the model reads it (its config's preprocessing), the
class names, the stage of its class activation maps if it has one, and the receptive fields
(read from the captured graph, fields.py). Its analyses give the shipped ones' types: a
`CnnTrace` from one tapped forward pass (taps.py), and `Explanation`s for the class
activation map, Grad-CAM at any stage, occlusion and one unit's input gradient.

The shared module and graph are only read: gradients flow from a fresh leaf copy of the input
(TappedCnn.run with `grad`), never into the weights. Running the graph needs no lock: only
capturing it (at load time) changes process-wide state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import fx

from models.cnn.explain import METHODS, Explanation, occlusion_choices, occlusion_map
from models.cnn.geometry import ReceptiveField
from models.cnn.trace import CnnTrace, Stage
from models.custom.config import ConfigError, ImageSpec
from models.custom.fields import stage_fields
from models.custom.folder import UserModel, find_config, open_model
from models.custom.images import preprocess
from models.custom.taps import MAX_BATCH, TappedCnn

CONVOLUTIONS = {torch.ops.aten.conv2d.default, torch.ops.aten.convolution.default}


class NotACnn(ValueError):
    """The model cannot be shown as a CNN; the message says why, in one line (after its name)."""


@dataclass(frozen=True)
class OwnCnn:
    model: UserModel
    taps: TappedCnn
    fields: dict[str, ReceptiveField] = field(compare=False)

    @classmethod
    def of(cls, model: UserModel) -> OwnCnn:
        """The CNN page's view of a brought model; NotACnn if it has no stages to show."""
        if model.loaded.kind != "cnn":
            raise NotACnn(f"is a {model.loaded.kind} model, not a CNN")
        if model.taps is None:
            raise NotACnn(model.problem or "its stages cannot be captured")
        if not any(point.is_map for point in model.taps.points):
            raise NotACnn("no stage gives feature maps (C, H, W)")
        return cls(model, model.taps, stage_fields(model.taps))

    # What the page reads of a spec.

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def title(self) -> str:
        return self.model.loaded.config.title

    @property
    def image(self) -> ImageSpec:
        image = self.model.loaded.config.image
        assert image is not None  # kind "cnn" has one (config.py)
        return image

    @property
    def input_size(self) -> int:
        return self.image.size

    @property
    def resize_short_side(self) -> int:
        return self.image.resize_short_side

    @property
    def channels(self) -> int:
        return self.image.channels

    @property
    def cam_stage(self) -> str | None:
        """The stage whose maps, weighted by the final linear layer, are the class maps."""
        head = self.taps.head
        return head.stage if head is not None and head.stage in self.stages() else None

    class_channels_stage = None  # no stage has one channel per class

    def stages(self) -> list[str]:
        """The stages that give feature maps, in the order they run."""
        return [point.name for point in self.taps.points if point.is_map]

    def receptive_fields(self) -> dict[str, ReceptiveField]:
        """Stage -> its receptive field, for the stages whose field the graph tells."""
        return self.fields

    def class_names(self) -> tuple[str, ...]:
        """A name per output, from its config."""
        return self.model.loaded.classes

    def also_called(self, index: int) -> list[str]:
        """Other names of a class: a config gives one."""
        return []

    @property
    def classes_note(self) -> str:
        """What its classes are, for the page (markdown; no text of the operator's in it)."""
        count = len(self.class_names())
        return (
            f"This model tells apart the {count} classes its config names, so a picture of "
            "anything else still gets the closest match among them."
        )

    def gradcam_stage(self) -> str:
        """Grad-CAM's stage unless told otherwise: the class maps' stage, else the last stage
        with maps of more than one pixel."""
        if self.cam_stage is not None:
            return self.cam_stage
        points = [p for p in self.taps.points if p.is_map and p.shape[-1] * p.shape[-2] > 1]
        return (points or [p for p in self.taps.points if p.is_map])[-1].name

    def describe(self) -> str:
        """One line for the model chooser: parameters, stages, input, where it came from."""
        side, kind = self.input_size, "grey" if self.channels == 1 else "colour"
        return (
            f"{self.model.loaded.parameters:,} parameters, {len(self.stages())} stages, "
            f"{side}×{side} {kind} input, {len(self.class_names())} classes. Brought by this "
            "server's operator."
        )

    def preprocess(self, image: Image.Image) -> tuple[torch.Tensor, np.ndarray]:
        """The model input (1, C, S, S) and the picture it reads, (S, S, 3) uint8: a grey
        model's picture in three equal channels, so colour can be drawn over it."""
        batch, shown = preprocess(image, self.image)
        if shown.ndim == 2:
            shown = np.repeat(shown[:, :, None], 3, axis=2)
        return batch, shown

    # Its analyses.

    def trace(self, image: Image.Image) -> CnnTrace:
        """Every stage's maps and the class probabilities for one picture: one tapped pass."""
        batch, shown = self.preprocess(image)
        return self.trace_input(batch, shown)

    def trace_input(self, batch: torch.Tensor, shown: np.ndarray) -> CnnTrace:
        taps = self.taps.run(batch)
        outputs = dict(taps.stages)
        stages = tuple(
            Stage(point.name, point.module_type, _read_only(outputs[point.name][0].numpy()))
            for point in self.taps.points
            if point.is_map
        )
        probs = torch.softmax(taps.logits[0], dim=0)
        return CnnTrace(self.name, _read_only(shown), stages, _read_only(probs.numpy()))

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """The logits of a batch (occlusion's many covered copies), in batches the graph takes."""
        step = MAX_BATCH if self.taps.batched else 1
        with torch.inference_mode():
            return torch.cat(
                [self.taps.run(batch[i : i + step]).logits for i in range(0, len(batch), step)]
            )

    def _geometry(self, stage: str) -> tuple[float, float]:
        """(centre of cell 0, step between cells) of a stage's grid, in input pixel centres:
        from its receptive field, else the grid spread evenly over the input."""
        known = self.fields.get(stage)
        if known is not None:
            return known.centre - 0.5, float(known.jump)
        side = next(p.shape[-1] for p in self.taps.points if p.name == stage)
        step = self.input_size / side
        return (step - 1) / 2, step

    def class_activation_map(self, trace: CnnTrace, class_index: int) -> Explanation:
        """The class's map from the maps the trace already holds: no forward pass again."""
        stage = self._cam_stage()
        held = torch.tensor(trace.stage(stage).maps)  # a copy: the trace's arrays are read-only
        return self._cam(stage, held, class_index)

    def _cam_stage(self) -> str:
        if self.cam_stage is None:
            raise ValueError(f"{self.name} does not end in a global pool and a linear layer")
        return self.cam_stage

    def _cam(self, stage: str, maps: torch.Tensor, class_index: int) -> Explanation:
        """The final linear layer applied at every place of the pooled stage's (C, h, w) maps:
        the class's map, whose mean is the class's logit, exactly."""
        assert self.taps.head is not None  # cam_stage says there is one
        with torch.inference_mode():
            heatmap = self.taps.head.class_maps(maps)[class_index]
        return Explanation(
            "cam",
            class_index,
            stage,
            heatmap.numpy(),
            *self._geometry(stage),
            float(heatmap.mean()),
        )

    def grad_cam(self, batch: torch.Tensor, class_index: int, stage: str) -> Explanation:
        """Grad-CAM on `stage`: its channels weighted by the spatial mean of the class logit's
        gradient with respect to them, positive part only."""
        taps = self.taps.run(batch, grad=True)
        activations = taps.stage(stage)
        logit = taps.logits[0, class_index]
        (grads,) = torch.autograd.grad(logit, activations, allow_unused=True)
        if grads is None:
            grads = torch.zeros_like(activations)
        weights = grads[0].mean(dim=(1, 2))  # (C,)
        cam = torch.relu((weights[:, None, None] * activations[0].detach()).sum(dim=0))
        return Explanation(
            "gradcam",
            class_index,
            stage,
            cam.numpy(),
            *self._geometry(stage),
            float(logit.detach()),
        )

    def explain(
        self, batch: torch.Tensor, method: str, class_index: int, stage: str | None = None
    ) -> Explanation:
        """One explanation by name, as models/cnn/explain.py's `explain`: "cam", "gradcam"
        (at `stage`, default gradcam_stage()) or "occlusion" (the shipped patch sizes scaled
        to the input)."""
        if method == "cam":
            cam_stage = self._cam_stage()
            return self._cam(cam_stage, self.taps.run(batch).stage(cam_stage)[0], class_index)
        if method == "gradcam":
            return self.grad_cam(batch, class_index, stage or self.gradcam_stage())
        if method == "occlusion":
            choices = occlusion_choices(self.input_size)
            return occlusion_map(self.forward, batch, class_index, choices.patch, choices.stride)
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")

    def unit_gradient(self, batch: torch.Tensor, stage: str, row: int, col: int) -> np.ndarray:
        """(S, S) size of the input gradient of the unit at (row, col) of `stage`, all
        channels: the effective receptive field."""
        taps = self.taps.run(batch, grad=True)
        output = taps.stage(stage)
        (grad,) = torch.autograd.grad(output[0, :, row, col].sum(), taps.x)
        return grad[0].abs().sum(dim=0).numpy()

    def first_filters(self) -> tuple[str, np.ndarray] | None:
        """The stage of the first convolution that reads the picture, and its filters
        (out, C, k, k) with colour channels in RGB order; None if no convolution reads it
        directly or its outputs are not that stage's channels."""
        graph = self.taps.captured
        if graph is None:  # a private copy is run: no graph to read them from
            return None
        inputs = [node for node in graph.graph.nodes if node.op == "placeholder"]
        for node in graph.graph.nodes:
            if node.target in CONVOLUTIONS and node.args[0] in inputs:
                weight = node.args[1]
                if not isinstance(weight, fx.Node) or weight.op != "get_attr":
                    return None
                filters = getattr(graph, str(weight.target)).detach().numpy()
                if self.channels == 3 and self.image.channel_order == "BGR":
                    filters = filters[:, ::-1]
                stage = self._stage_of(node)
                if stage is None or stage[1] != filters.shape[0]:
                    return None
                return stage[0], np.ascontiguousarray(filters)
        return None

    def _stage_of(self, node: fx.Node) -> tuple[str, int] | None:
        """(name, channels) of the first stage computed from `node` (the stage it belongs to)."""
        assert self.taps.captured is not None  # first_filters asks only of a graph
        output = next(n for n in self.taps.captured.graph.nodes if n.op == "output")
        ancestors = set()
        for point, tap in zip(self.taps.points, output.args[0][1:], strict=True):
            ancestors.clear()
            pending = [tap]
            while pending:
                current = pending.pop()
                if current is node:
                    return (point.name, point.shape[1]) if point.is_map else None
                if current not in ancestors:
                    ancestors.add(current)
                    pending.extend(current.all_input_nodes)
        return None


def _read_only(array: np.ndarray) -> np.ndarray:
    """The array, marked read-only: one trace is shared by every session that shows it."""
    array.setflags(write=False)
    return array


def open_own_cnn(folder: Path, name: str) -> OwnCnn:
    """The CNN `name` of the operator's `folder`, loaded alone (the command line's way);
    ConfigError or NotACnn says why not."""
    if not folder.is_dir():
        raise ConfigError(folder, "no such folder")
    config = find_config(folder, name)
    if config is None:
        raise NotACnn(f"no model of that name in {folder}")
    return OwnCnn.of(open_model(config))
