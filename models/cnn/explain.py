"""Why the CNN decided: class activation maps, Grad-CAM, occlusion, effective receptive fields.

- Class activation map (exact): the model's `class_maps` of its last stage. For SqueezeNet these
  are conv10's own maps; for EfficientNet-Lite0 the classifier applied at every position of the
  head. Either way their spatial mean is the class's logit, so the map is that logit spread
  over the photo, not an approximation of it.
- Grad-CAM at any stage: the stage's output A is recomputed as a fresh leaf tensor, the logits
  are computed from it onwards (`logits_from`), and the map is ReLU(Σ_k w_k A_k) with w_k the
  spatial mean of ∂logit/∂A_k. No hooks, and no parameter's requires_grad is touched.
- Occlusion: a patch of the model's zero input (the mean colour) is slid over the input; the map
  is how much the class's probability drops with the patch at each place. Batched passes.
- Effective receptive field: the input gradient of one unit (all channels at one place).
Peaks are placed with the receptive-field geometry of the stage (the centre of a unit's field),
then mapped back to the original photo's pixels by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models.cnn.registry import CNN_MODELS
from models.cnn.staged import StagedCnn
from models.cnn.trace import CnnTrace

METHODS = ("cam", "gradcam", "occlusion")
OCCLUSION_PATCH, OCCLUSION_STRIDE = 32, 20  # 100 passes on a 227-pixel input
OCCLUSION_PATCHES = (16, 24, 32, 48, 64, 96)  # the choices on a photo-sized input
OCCLUSION_STRIDES = (8, 12, 16, 20, 24, 32, 48)
PHOTO_SIDE = 224  # the shipped models' inputs (224 and 227) are photo-sized
OCCLUSION_BATCH = 32


@dataclass(frozen=True)
class OcclusionChoices:
    patches: list[int]  # patch sides to choose from, in input pixels
    strides: list[int]
    patch: int  # the ones chosen at first
    stride: int
    photo_sized: bool  # the shipped choices, for a photo-sized input


def occlusion_choices(side: int) -> OcclusionChoices:
    """Patch and step sides for an input of `side` pixels: the fixed ones for a photo-sized
    input, the same fractions of a smaller one (a 28-pixel digit: patches of 2 to 12)."""
    if side >= PHOTO_SIDE:
        return OcclusionChoices(
            list(OCCLUSION_PATCHES),
            list(OCCLUSION_STRIDES),
            OCCLUSION_PATCH,
            OCCLUSION_STRIDE,
            True,
        )

    def scaled(pixels: int) -> int:
        return max(1, min(side, round(pixels * side / PHOTO_SIDE)))

    return OcclusionChoices(
        sorted({scaled(p) for p in OCCLUSION_PATCHES}),
        sorted({scaled(s) for s in OCCLUSION_STRIDES}),
        scaled(OCCLUSION_PATCH),
        scaled(OCCLUSION_STRIDE),
        False,
    )


@dataclass(frozen=True)
class Explanation:
    method: str
    class_index: int
    layer: str  # the stage the map lives on ("input" for occlusion)
    heatmap: np.ndarray  # (h, w) over the model input's grid
    centre: float  # input-pixel coordinate of cell 0's centre ...
    step: float  # ... and the distance between cell centres
    logit: float  # the class's logit for this input
    patch: int = 0  # occlusion only: the side of the grey patch

    def peak_input(self) -> tuple[float, float]:
        """(x, y) in model-input pixels of the strongest cell's centre."""
        row, col = np.unravel_index(int(np.argmax(self.heatmap)), self.heatmap.shape)
        return self.centre + col * self.step, self.centre + row * self.step

    def on_input(self, side: int) -> np.ndarray:
        """(side, side) map over the model input's pixels, each cell where it belongs.

        Class maps: sampled bilinearly at each pixel's position between the cells' centres
        (clamped at the edges). Occlusion: the mean drop of every patch that covered the
        pixel; pixels no patch covered get 0. Stretching the map over the picture instead
        would put its peak up to a step away from `peak_input`.
        """
        if self.method == "occlusion":
            return _coverage_mean(self.heatmap, self.patch, int(self.step), side)
        positions = (np.arange(side) - self.centre) / self.step
        rows = _bilinear_weights(positions, self.heatmap.shape[0])
        cols = _bilinear_weights(positions, self.heatmap.shape[1])
        return rows @ self.heatmap @ cols.T


def _bilinear_weights(positions: np.ndarray, cells: int) -> np.ndarray:
    """(len(positions), cells) interpolation weights, positions clamped to 0..cells − 1."""
    u = np.clip(positions, 0, cells - 1)
    low = np.floor(u).astype(int).clip(0, max(cells - 2, 0))
    frac = u - low
    weights = np.zeros((len(u), cells))
    weights[np.arange(len(u)), low] = 1 - frac
    if cells > 1:
        weights[np.arange(len(u)), low + 1] += frac
    return weights


def _coverage_mean(drops: np.ndarray, patch: int, stride: int, side: int) -> np.ndarray:
    total = np.zeros((side, side))
    count = np.zeros((side, side))
    for i in range(drops.shape[0]):
        for j in range(drops.shape[1]):
            top, left = i * stride, j * stride
            total[top : top + patch, left : left + patch] += drops[i, j]
            count[top : top + patch, left : left + patch] += 1
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def _geometry(model_name: str, stage: str) -> tuple[float, float]:
    field = CNN_MODELS[model_name].receptive_fields()[stage]
    # centre is in pixel-edge coordinates (pixel i spans i..i+1); return pixel-centre coordinates
    return field.centre - 0.5, float(field.jump)


def gradcam_default(model: StagedCnn) -> str:
    """The stage Grad-CAM uses unless told otherwise, on the page and the command line alike:
    the one before the last, whose maps still have channels to weigh (the last, for
    SqueezeNet, already holds one map per class)."""
    return model.stage_names()[-2]


def cam_map(model: StagedCnn, batch: torch.Tensor, stage: str, class_index: int):
    """(h, w) class activation map on `stage` and the class's logit (the map's mean)."""
    with torch.inference_mode():
        maps = model.class_maps(model.stage_output(batch, stage))[0, class_index]
    return maps.numpy(), float(maps.mean())


def grad_cam_map(model: StagedCnn, batch: torch.Tensor, stage: str, class_index: int):
    """(h, w) Grad-CAM on `stage`, and the class's logit."""
    with torch.inference_mode():
        activations = model.stage_output(batch, stage)
    with torch.inference_mode(False), torch.enable_grad():
        leaf = activations.clone().requires_grad_(True)  # (1, C, h, w), a fresh tensor
        logit = model.logits_from(stage, leaf)[0, class_index]
        (grads,) = torch.autograd.grad(logit, leaf)
    weights = grads[0].mean(dim=(1, 2))  # (C,)
    cam = torch.relu((weights[:, None, None] * leaf[0].detach()).sum(dim=0))
    return cam.numpy(), float(logit.detach())


def class_activation_map(
    model_name: str, model: StagedCnn, batch: torch.Tensor, class_index: int
) -> Explanation:
    stage = CNN_MODELS[model_name].config.cam_stage
    heatmap, logit = cam_map(model, batch, stage, class_index)
    return Explanation("cam", class_index, stage, heatmap, *_geometry(model_name, stage), logit)


def class_activation_map_of(trace: CnnTrace, model: StagedCnn, class_index: int) -> Explanation:
    """The same map from the class-map stage a trace already holds: no forward pass again."""
    stage = CNN_MODELS[trace.model].config.cam_stage
    held = torch.tensor(trace.stage(stage).maps)[None]  # a copy: the trace's arrays are read-only
    with torch.inference_mode():
        maps = model.class_maps(held)[0, class_index]
    heatmap, logit = maps.numpy(), float(maps.mean())
    return Explanation("cam", class_index, stage, heatmap, *_geometry(trace.model, stage), logit)


def grad_cam(
    model_name: str, model: StagedCnn, batch: torch.Tensor, class_index: int, stage: str
) -> Explanation:
    heatmap, logit = grad_cam_map(model, batch, stage, class_index)
    return Explanation("gradcam", class_index, stage, heatmap, *_geometry(model_name, stage), logit)


def explain(
    model_name: str,
    model: StagedCnn,
    batch: torch.Tensor,
    method: str,
    class_index: int,
    stage: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Explanation:
    """One explanation by name: "cam", "gradcam" (at `stage`, default the last) or "occlusion"."""
    if method == "cam":
        return class_activation_map(model_name, model, batch, class_index)
    if method == "gradcam":
        return grad_cam(model_name, model, batch, class_index, stage or gradcam_default(model))
    if method == "occlusion":
        return occlusion_map(model, batch, class_index, progress=progress)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


def occlusion_map(
    model: StagedCnn,
    batch: torch.Tensor,
    class_index: int,
    patch: int = OCCLUSION_PATCH,
    stride: int = OCCLUSION_STRIDE,
    progress: Callable[[float], None] | None = None,
) -> Explanation:
    side = batch.shape[-1]
    if not 1 <= patch <= side or stride < 1:
        raise ValueError(f"patch must be 1..{side} pixels and stride at least 1")
    starts = list(range(0, side - patch + 1, stride))
    places = [(top, left) for top in starts for left in starts]
    with torch.inference_mode():
        logits = model(batch)[0]
        base = float(torch.softmax(logits, dim=0)[class_index])
        drops = []
        for first in range(0, len(places), OCCLUSION_BATCH):
            chunk = places[first : first + OCCLUSION_BATCH]
            covered = batch.repeat(len(chunk), 1, 1, 1)
            for row, (top, left) in enumerate(chunk):
                covered[row, :, top : top + patch, left : left + patch] = 0.0  # the mean colour
            probs = torch.softmax(model(covered), dim=1)[:, class_index]
            drops.extend((base - probs).tolist())
            if progress is not None:
                progress(min(1.0, (first + len(chunk)) / len(places)))
    heatmap = np.array(drops).reshape(len(starts), len(starts))
    return Explanation(
        "occlusion",
        class_index,
        "input",
        heatmap,
        (patch - 1) / 2,
        float(stride),
        float(logits[class_index]),
        patch,
    )


def effective_receptive_field(
    model: StagedCnn, batch: torch.Tensor, stage: str, row: int, col: int
) -> np.ndarray:
    """(S, S) size of the input gradient of the unit at (row, col) of `stage`, all channels."""
    with torch.inference_mode(False), torch.enable_grad():
        x = batch.clone().requires_grad_(True)
        output = model.stage_output(x, stage)
        (grad,) = torch.autograd.grad(output[0, :, row, col].sum(), x)
    return grad[0].abs().sum(dim=0).numpy()
