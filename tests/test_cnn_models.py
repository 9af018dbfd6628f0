"""The two ImageNet CNN ports with their real shipped weights: shapes, predictions, checksums."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from PIL import Image

from bench.harness.paths import ROOT, SAMPLES
from models.checkpoints import WEIGHTS_DIR, ChecksumError, load_checkpoint
from models.cnn import efficientnet_lite, squeezenet

CLASSES_FILE = ROOT / "assets" / "imagenet_classes.tsv"
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967

SQUEEZENET_SHAPES = [
    ("conv1", (64, 113, 113)),
    ("fire2", (128, 56, 56)),
    ("fire3", (128, 56, 56)),
    ("fire4", (256, 27, 27)),
    ("fire5", (256, 27, 27)),
    ("fire6", (384, 13, 13)),
    ("fire7", (384, 13, 13)),
    ("fire8", (512, 13, 13)),
    ("fire9", (512, 13, 13)),
    ("conv10", (1000, 13, 13)),
]
EFFICIENTNET_SHAPES = [
    ("stem", (32, 112, 112)),
    ("block1", (16, 112, 112)),
    ("block2", (24, 56, 56)),
    ("block3", (24, 56, 56)),
    ("block4", (40, 28, 28)),
    ("block5", (40, 28, 28)),
    ("block6", (80, 14, 14)),
    ("block7", (80, 14, 14)),
    ("block8", (80, 14, 14)),
    ("block9", (112, 14, 14)),
    ("block10", (112, 14, 14)),
    ("block11", (112, 14, 14)),
    ("block12", (192, 7, 7)),
    ("block13", (192, 7, 7)),
    ("block14", (192, 7, 7)),
    ("block15", (192, 7, 7)),
    ("block16", (320, 7, 7)),
    ("head", (1280, 7, 7)),
]
CASES = {
    "squeezenet": (squeezenet, "squeezenet1_1", 227, SQUEEZENET_SHAPES),
    "efficientnet": (efficientnet_lite, "efficientnet_lite0", 224, EFFICIENTNET_SHAPES),
}


@dataclass(frozen=True)
class Loaded:
    module: ModuleType
    model: torch.nn.Module
    size: int
    shapes: list[tuple[str, tuple[int, int, int]]]


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> Loaded:
    """One model with its shipped weights, loaded once per test module."""
    module, arch, size, shapes = CASES[request.param]
    assert load_checkpoint(module.WEIGHTS_FILE)["config"]["arch"] == arch
    model = module.load_pretrained()  # goes through load_checkpoint too
    assert not model.training
    return Loaded(module, model, size, shapes)


def _probabilities(case: Loaded, sample: str) -> torch.Tensor:
    x, _ = case.module.preprocess(Image.open(SAMPLES / sample))
    with torch.no_grad():
        return case.model(x)[0].softmax(dim=0)  # (1000,)


def test_stage_shapes_and_notes(case: Loaded) -> None:
    with torch.no_grad():
        stages, logits = case.model.forward_stages(torch.zeros(2, 3, case.size, case.size))
    assert [(name, tuple(out.shape)) for name, out in stages] == [
        (name, (2, *shape)) for name, shape in case.shapes
    ]
    assert tuple(logits.shape) == (2, 1000)
    assert list(type(case.model).STAGE_NOTES) == [name for name, _ in case.shapes]


def test_forward_stages_logits_equal_forward(case: Loaded) -> None:
    x, _ = case.module.preprocess(Image.open(SAMPLES / "astronaut.jpg"))
    with torch.no_grad():
        _, staged = case.model.forward_stages(x)
        direct = case.model(x)
    torch.testing.assert_close(staged, direct, rtol=0, atol=0)


def test_squeezenet_max_pool_equals_torchs_and_keeps_the_layout() -> None:
    x = torch.randn(1, 64, 113, 113, requires_grad=True)
    pooled = squeezenet.max_pool(x)
    expected = torch.nn.functional.max_pool2d(x, kernel_size=3, stride=2)
    assert pooled.shape == (1, 64, 56, 56)
    assert pooled.is_contiguous()  # the stages' maps are read as (C, H, W) numpy arrays
    torch.testing.assert_close(pooled, expected, rtol=0, atol=0)
    (gradient,) = torch.autograd.grad(pooled.sum(), x)  # Grad-CAM goes back through it
    (expected_gradient,) = torch.autograd.grad(expected.sum(), x)
    torch.testing.assert_close(gradient, expected_gradient, rtol=0, atol=0)


def test_cat_photo_top3_are_cats(case: Loaded) -> None:
    top3 = _probabilities(case, "chelsea.jpg").topk(3).indices.tolist()
    assert all(index in CAT_CLASSES for index in top3), top3


def test_coffee_photo_top1_is_espresso(case: Loaded) -> None:
    probs = _probabilities(case, "coffee.jpg")
    assert int(probs.argmax()) == ESPRESSO
    assert float(probs[ESPRESSO]) > 0.9


@dataclass(frozen=True)
class Recipe:
    """How a model wants its input, written out here from the model's origin, not read from
    the module: a wrong constant or channel order in the code must fail the test below."""

    size: int
    resample: Image.Resampling
    channels: tuple[int, int, int]  # the RGB channels, in the order the model reads them
    mean: tuple[float, float, float]  # subtracted, in the model's channel order
    std: float


RECIPES = {
    # Caffe's SqueezeNet 1.1: BGR, 0-255, minus the ImageNet BGR mean, not divided.
    "squeezenet": (
        squeezenet,
        Recipe(227, Image.Resampling.BILINEAR, (2, 1, 0), (104.006, 116.669, 122.679), 1.0),
    ),
    # TF-lite's EfficientNet-Lite0: RGB, (pixel - 127) / 128.
    "effnet": (
        efficientnet_lite,
        Recipe(224, Image.Resampling.BICUBIC, (0, 1, 2), (127.0, 127.0, 127.0), 128.0),
    ),
}


def scaled_centre(
    photo: Image.Image, short_side: int, crop: int, resample: Image.Resampling
) -> np.ndarray:
    """The whole photo scaled so its short side is `short_side`, then its centre square."""
    scale = short_side / min(photo.size)
    width, height = max(crop, round(photo.width * scale)), max(crop, round(photo.height * scale))
    scaled = np.asarray(photo.convert("RGB").resize((width, height), resample), dtype=np.int16)
    left, top = (width - crop) // 2, (height - crop) // 2
    return scaled[top : top + crop, left : left + crop]


@pytest.mark.parametrize("model", list(RECIPES))
@pytest.mark.parametrize("sample", ["chelsea.jpg", "rocket.jpg"])
def test_preprocess_contract(model: str, sample: str) -> None:
    module, recipe = RECIPES[model]
    size = recipe.size
    photo = Image.open(SAMPLES / sample)
    x, shown = module.preprocess(photo)
    assert x.shape == (1, 3, size, size)
    assert x.dtype == torch.float32
    assert shown.shape == (size, size, 3)
    assert shown.dtype == np.uint8
    # The picture shown is the photo's centre, upright and in RGB: the app crops only the part
    # it keeps before resampling, so a pixel may differ by a few levels, never on average (a
    # swapped red and blue differs by 28-48 levels here, a crop one pixel off by 3-10).
    reference = scaled_centre(photo, 256, size, recipe.resample)
    assert np.abs(reference - shown).mean() < 1.0
    # And the model reads exactly those pixels, in its channel order, scaled its way.
    expected = (
        shown[:, :, list(recipe.channels)] - np.asarray(recipe.mean, dtype=np.float32)
    ) / recipe.std
    np.testing.assert_allclose(x[0].numpy(), expected.transpose(2, 0, 1), rtol=0, atol=1e-4)


def test_preprocess_handles_grey_and_tall_images() -> None:
    grey = Image.new("L", (100, 400), color=128)
    x, shown = squeezenet.preprocess(grey)
    assert x.shape == (1, 3, 227, 227) and shown.shape == (227, 227, 3)
    # Caffe input is BGR minus the BGR mean, so a grey 128 pixel gives 128 - mean per channel.
    expected = 128 - np.asarray(squeezenet.MEAN_BGR, dtype=np.float32)
    np.testing.assert_allclose(x[0, :, 100, 100].numpy(), expected, rtol=1e-6)
    x, _ = efficientnet_lite.preprocess(grey)
    torch.testing.assert_close(x[0, :, 100, 100], torch.full((3,), 1 / 128))


@pytest.mark.parametrize("module", [squeezenet, efficientnet_lite], ids=["squeezenet", "effnet"])
def test_flipped_byte_is_rejected(module: ModuleType, tmp_path: Path) -> None:
    name = module.WEIGHTS_FILE
    shutil.copy(WEIGHTS_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    data = bytearray((WEIGHTS_DIR / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(ChecksumError):
        load_checkpoint(name, weights_dir=tmp_path)
    with pytest.raises(ChecksumError):
        module.load_pretrained(weights_dir=tmp_path)


def test_classes_file() -> None:
    lines = CLASSES_FILE.read_text().splitlines()
    assert len(lines) == 1000
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 2 and row[0].startswith("n") for row in rows)
    assert rows[281][1].startswith("tabby")
    assert rows[ESPRESSO][1].startswith("espresso")
