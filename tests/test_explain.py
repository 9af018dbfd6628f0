"""Class evidence and unit views: exact on a tiny hand-weighted CNN, then on the real models."""

from __future__ import annotations

import io
from collections.abc import Callable
from unittest.mock import patch

import numpy as np
import pytest
import torch
from PIL import Image
from torch.nn import functional as F

from bench.harness.paths import SAMPLES
from models.cnn.explain import (
    cam_map,
    class_activation_map,
    class_activation_map_of,
    effective_receptive_field,
    explain,
    grad_cam_map,
    occlusion_map,
)
from models.cnn.images import crop_geometry, load_photo
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.stage_stats import stage_statistics
from models.cnn.staged import StagedCnn
from models.cnn.trace import trace_image
from tests.helpers.frozen import assert_untouched, snapshot

W = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])  # 3 classes from 2 channels


class TinyCnn(StagedCnn):
    """Stage "a": ReLU of (x, −x); stage "b": 1×1 class maps W; logits: their spatial means."""

    def stage_functions(self) -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]]:
        return [
            ("a", lambda x: F.relu(torch.cat([x, -x], dim=1))),
            ("b", lambda a: torch.einsum("kc,bchw->bkhw", W, a)),
        ]

    def logits_of(self, final: torch.Tensor) -> torch.Tensor:
        return final.mean(dim=(2, 3))

    def class_maps(self, final: torch.Tensor) -> torch.Tensor:
        return final


X = torch.tensor(
    [
        [
            [
                [1.0, -2.0, 0.5, 0.0],
                [3.0, -1.0, 2.0, -0.5],
                [0.0, 1.0, -3.0, 4.0],
                [2.0, 2.0, -2.0, 1.0],
            ]
        ]
    ]
)


def test_tiny_cam_is_the_class_map_and_its_mean_the_logit() -> None:
    model = TinyCnn()
    a = np.stack([np.maximum(X[0, 0].numpy(), 0), np.maximum(-X[0, 0].numpy(), 0)])
    for k in range(3):
        heatmap, logit = cam_map(model, X, "b", k)
        expected = W[k, 0].item() * a[0] + W[k, 1].item() * a[1]
        np.testing.assert_allclose(heatmap, expected, atol=1e-6)
        assert logit == pytest.approx(expected.mean(), abs=1e-6)
        assert logit == pytest.approx(float(model(X)[0, k]), abs=1e-6)


def test_tiny_grad_cam_by_hand() -> None:
    model = TinyCnn()
    a = np.stack([np.maximum(X[0, 0].numpy(), 0), np.maximum(-X[0, 0].numpy(), 0)])
    for k in range(3):
        heatmap, _ = grad_cam_map(model, X, "a", k)
        weights = W[k].numpy() / 16  # d mean / d A_c at every one of the 16 places
        expected = np.maximum(weights[0] * a[0] + weights[1] * a[1], 0)
        np.testing.assert_allclose(heatmap, expected, atol=1e-7)


def test_tiny_occlusion_by_hand() -> None:
    model = TinyCnn()
    result = occlusion_map(model, X, class_index=0, patch=2, stride=2)
    base = torch.softmax(model(X)[0], dim=0)[0]
    expected = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            covered = X.clone()
            covered[:, :, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = 0
            expected[i, j] = float(base - torch.softmax(model(covered)[0], dim=0)[0])
    np.testing.assert_allclose(result.heatmap, expected, atol=1e-7)
    assert (result.centre, result.step) == (0.5, 2.0)  # cell (0, 0) covers pixels 0..1
    with pytest.raises(ValueError):
        occlusion_map(model, X, 0, patch=5)


@pytest.fixture(scope="module", params=list(CNN_MODELS))
def real(request):
    name = request.param
    model = load_cnn(name)
    batch, _ = CNN_MODELS[name].preprocess(Image.open(SAMPLES / "chelsea.jpg"))
    return name, model, batch


def test_cam_decomposes_every_logit_exactly(real) -> None:
    name, model, batch = real
    stage = CNN_MODELS[name].config.cam_stage
    with torch.inference_mode():
        maps = model.class_maps(model.stage_output(batch, stage))[0]
        logits = model(batch)[0]
    torch.testing.assert_close(maps.mean(dim=(1, 2)), logits, atol=1e-4, rtol=1e-5)


def test_the_cam_from_a_trace_equals_the_cam_from_the_photo(real) -> None:
    name, model, _ = real
    trace = trace_image(model, name, Image.open(SAMPLES / "chelsea.jpg"))
    batch, _ = CNN_MODELS[name].preprocess(Image.open(SAMPLES / "chelsea.jpg"))
    for class_index in (trace.top(1)[0][0], 967):
        held = class_activation_map_of(trace, model, class_index)
        fresh = class_activation_map(name, model, batch, class_index)
        np.testing.assert_allclose(held.heatmap, fresh.heatmap, rtol=1e-5, atol=1e-5)
        assert held.logit == pytest.approx(fresh.logit, abs=1e-4)
        assert (held.layer, held.centre, held.step) == (fresh.layer, fresh.centre, fresh.step)


def test_explanations_leave_the_shared_model_untouched(real) -> None:
    name, model, batch = real
    before = snapshot(model)
    stages = model.stage_names()
    explain(name, model, batch, "cam", 281)
    explain(name, model, batch, "gradcam", 281, stages[len(stages) // 2])
    occlusion_map(model, batch, 281, patch=112, stride=112)
    effective_receptive_field(model, batch, stages[2], 3, 4)
    assert_untouched(model, before)


@pytest.mark.parametrize("name", list(CNN_MODELS))
def test_a_point_of_the_model_input_maps_back_to_the_upright_photo(name: str) -> None:
    """A dark square in a photo stored sideways (EXIF orientation 6) is found in the model's
    input and mapped back to where it is in the photo a person sees."""
    upright = Image.new("RGB", (1600, 1200), (235, 235, 235))
    upright.paste((0, 0, 0), (700, 500, 780, 580))  # centre (739.5, 539.5)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 1200 × 1600 on disk
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    buffer = io.BytesIO()
    stored.save(buffer, "PNG", exif=exif)
    photo = load_photo(buffer.getvalue())
    assert photo.original_size == (1200, 1600) and photo.upright_size == (1600, 1200)
    spec = CNN_MODELS[name]
    _, shown = spec.preprocess(photo.image)
    rows, cols = np.nonzero(shown.max(axis=2) < 100)  # the square, as the model sees it
    x_in, y_in = cols.mean(), rows.mean()
    config = spec.config
    geometry = crop_geometry(
        photo.image.width, photo.image.height, config.resize_short_side, config.input_size
    )
    x, y = photo.to_original(*geometry.to_photo(x_in, y_in))
    assert (x, y) == pytest.approx((739.5, 539.5), abs=2.0)


def test_a_very_thin_image_is_cropped_before_it_is_scaled() -> None:
    thin = Image.new("RGB", (20_000, 20), (10, 200, 30))
    sizes = []
    real_resize = Image.Image.resize

    def resize(self: Image.Image, size, *args, **kwargs):
        sizes.append(tuple(size))
        return real_resize(self, size, *args, **kwargs)

    with patch.object(Image.Image, "resize", resize):
        for spec in CNN_MODELS.values():
            _, shown = spec.preprocess(thin)
            assert shown.shape == (spec.input_size, spec.input_size, 3)
            assert np.abs(shown.astype(int) - (10, 200, 30)).max() <= 1
    assert max(w * h for w, h in sizes) <= 227 * 227  # never the 256 000 × 256 intermediate


def test_cropping_first_gives_the_same_pixels_as_scaling_first() -> None:
    image = Image.open(SAMPLES / "coffee.jpg").convert("RGB")
    geometry = crop_geometry(image.width, image.height, 256, 227)
    whole = image.resize(geometry.size, Image.Resampling.BILINEAR)
    left, top = geometry.left, geometry.top
    old = np.asarray(whole.crop((left, top, left + 227, top + 227)), dtype=int)
    new = CNN_MODELS["squeezenet1_1"].preprocess(image)[1].astype(int)
    assert np.abs(old - new).mean() < 1.0


def test_effective_receptive_field_is_inside_the_theoretical_one(real) -> None:
    name, model, batch = real
    from models.cnn.geometry import receptive_fields

    spec = CNN_MODELS[name]
    stage = model.stage_names()[3]
    field = {f.stage: f for f in receptive_fields(spec.spatial_ops(spec.input_size))}[stage]
    erf = effective_receptive_field(model, batch, stage, 5, 6)
    rows, cols = np.nonzero(erf.sum(axis=1))[0], np.nonzero(erf.sum(axis=0))[0]
    top, left, bottom, right = field.box(5, 6, spec.input_size)
    assert top <= rows.min() and rows.max() < bottom and left <= cols.min() and cols.max() < right


def test_stage_statistics() -> None:
    model = load_cnn("squeezenet1_1")
    trace = trace_image(model, "squeezenet1_1", Image.open(SAMPLES / "coffee.jpg"))
    stats = stage_statistics(trace)
    assert [s.name for s in stats] == [stage.name for stage in trace.stages]
    conv1 = trace.stages[0].maps
    assert stats[0].zero_fraction == pytest.approx(float((conv1 == 0).mean()))
    assert stats[0].max == pytest.approx(float(conv1.max()))
    channel, mean = stats[0].top_channels[0]
    assert channel == int(conv1.mean(axis=(1, 2)).argmax())
    assert mean == pytest.approx(float(conv1.mean(axis=(1, 2)).max()))
    assert 0 < stats[0].zero_fraction < 1  # ReLU switches some off, not all


@pytest.mark.parametrize(
    ("method", "patch", "stride"), [("cam", 0, 0), ("occlusion", 32, 20), ("occlusion", 96, 48)]
)
def test_the_drawn_map_peaks_where_the_cross_is(real, method: str, patch: int, stride: int) -> None:
    """The picture's hottest pixel lies within half a step of the marked peak."""
    name, model, batch = real
    if method == "cam":
        result = explain(name, model, batch, "cam", 281)
    else:
        result = occlusion_map(model, batch, 281, patch=patch, stride=stride)
    side = CNN_MODELS[name].input_size
    drawn = result.on_input(side)
    assert drawn.shape == (side, side)
    x, y = result.peak_input()
    hot = np.argwhere(drawn == drawn.max())
    distances = np.hypot(hot[:, 1] - x, hot[:, 0] - y)
    assert distances.min() <= result.step / 2 + 1


def test_a_single_hot_cell_is_drawn_at_its_receptive_field_centre() -> None:
    from models.cnn.explain import Explanation

    heat = np.zeros((13, 13))
    heat[12, 12] = 1.0
    result = Explanation("cam", 0, "conv10", heat, 15.0, 16.0, 0.0)
    drawn = result.on_input(227)
    assert np.unravel_index(int(drawn.argmax()), drawn.shape) == (207, 207)  # 15 + 12 × 16
    assert result.peak_input() == (207.0, 207.0)
    occluded = Explanation("occlusion", 0, "input", np.ones((2, 2)), 15.5, 20.0, 0.0, 32)
    coverage = occluded.on_input(60)
    assert coverage[:52, :52].min() == 1.0 and coverage[52:, :].max() == 0.0  # never covered
