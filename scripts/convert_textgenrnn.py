"""Convert textgenrnn 2.0.0's pretrained Keras weights (MIT) into `models/weights/char_lstm.pt`.

Usage: python scripts/convert_textgenrnn.py [path/to/textgenrnn_weights.hdf5]

Without a path, `pip download textgenrnn==2.0.0 --no-deps` fetches the source archive into a
temporary directory (textgenrnn itself is never imported: it needs TensorFlow). The vocabulary
is read from `textgenrnn_vocab.json` beside the hdf5. Both files are checked against their
known sha256 before use. Needs `h5py` (requirements-convert.txt).

The weights were saved from CuDNNLSTM, whose layout differs from Keras' LSTM:
- `bias` holds 8H values: the first 4H are PyTorch's `bias_ih`, the last 4H `bias_hh`;
- gates come in the order i, f, c, o, which is PyTorch's i, f, g, o;
- each gate's input-kernel block `k` (in, H) is stored in the cuDNN (column-major) order and
  must become `k.T.reshape(k.shape, order="F")` to act as `x @ k`; each recurrent block
  `r` (H, H) acts as `h @ r.T`. A plain transpose gives a model that predicts garbage.
The conversion ends by checking the two reference predictions quoted in SOURCES.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import WEIGHTS_DIR  # noqa: E402
from models.sequence.char_lstm import CHECKPOINT_NAME, VOCAB_NAME, CharLSTM, CharLSTMConfig  # noqa: E402
from models.sequence.text import save_vocab  # noqa: E402

WEIGHTS_SHA256 = "6a89ca4235ed9f00be7b2acd65d5fe4a099967d676bfe20afb696106286ffbca"
VOCAB_SHA256 = "f9c6c0db9b07fb57da023d32df66e16a488d086c138e15706307bb5177c2be74"
PACKAGE = "textgenrnn==2.0.0"
PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:")
EXPECTED = {"Donald Tru": ("m", 0.99), "The quick brown fo": ("r", 0.9)}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download_source(dest: Path) -> Path:
    """pip-download the textgenrnn sdist into `dest`, extract it, return the hdf5 path."""
    subprocess.run(
        [*PIP_DOWNLOAD, "--dest", str(dest), PACKAGE],
        check=True,
    )
    (archive,) = dest.glob("textgenrnn-2.0.0.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return dest / "textgenrnn-2.0.0" / "textgenrnn" / "textgenrnn_weights.hdf5"


def keras_lstm_to_torch(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> dict:
    """CuDNNLSTM kernel (in, 4H), recurrent kernel (H, 4H), bias (8H) -> nn.LSTM tensors."""
    hidden = recurrent.shape[0]
    w_ih, w_hh = [], []
    for gate in range(4):
        block = slice(gate * hidden, (gate + 1) * hidden)
        k = kernel[:, block]  # (in, H), cuDNN order
        r = recurrent[:, block]  # (H, H)
        w_ih.append(k.T.reshape(k.shape, order="F").T)  # (H, in): PyTorch computes x @ W.T
        w_hh.append(r)  # (H, H): Keras-form r.T, so PyTorch's W_hh is r itself
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    return {
        "weight_ih_l0": as_tensor(np.concatenate(w_ih)),  # (4H, in)
        "weight_hh_l0": as_tensor(np.concatenate(w_hh)),  # (4H, H)
        "bias_ih_l0": as_tensor(bias[: 4 * hidden]),
        "bias_hh_l0": as_tensor(bias[4 * hidden :]),
    }


def convert(weights_path: Path) -> tuple[CharLSTM, dict[str, int]]:
    import h5py  # conversion-time only

    vocab_path = weights_path.with_name("textgenrnn_vocab.json")
    for path, expected in ((weights_path, WEIGHTS_SHA256), (vocab_path, VOCAB_SHA256)):
        actual = sha256_file(path)
        if actual != expected:
            raise SystemExit(f"{path}: sha256 {actual} is not the expected {expected}")
    vocab: dict[str, int] = json.loads(vocab_path.read_text(encoding="utf-8"))

    with h5py.File(weights_path, "r") as h5:

        def get(layer: str, weight: str) -> np.ndarray:
            return np.asarray(h5[f"{layer}/{layer}/{weight}:0"], dtype=np.float32)

        embeddings = get("embedding", "embeddings")  # (V, E)
        config = CharLSTMConfig(
            vocab_size=embeddings.shape[0],
            embed_dim=embeddings.shape[1],
            hidden_size=get("rnn_1", "recurrent_kernel").shape[0],
            start_id=vocab["<s>"],
        )
        if config.vocab_size != len(vocab) + 1:
            raise SystemExit(f"vocabulary has {len(vocab)} entries, embedding {config.vocab_size}")
        state = {"embedding.weight": torch.from_numpy(embeddings)}
        for index, layer in ((1, "rnn_1"), (2, "rnn_2")):
            tensors = keras_lstm_to_torch(
                get(layer, "kernel"), get(layer, "recurrent_kernel"), get(layer, "bias")
            )
            state.update({f"lstm{index}.{name}": value for name, value in tensors.items()})
        state["attention.weight"] = torch.from_numpy(get("attention", "attention_W").T.copy())
        state["output.weight"] = torch.from_numpy(get("output", "kernel").T.copy())  # (V, 356)
        state["output.bias"] = torch.from_numpy(get("output", "bias"))

    model = CharLSTM(config, vocab)
    model.load_state_dict(state)
    return model.eval(), vocab


def check_predictions(model: CharLSTM, vocab: dict[str, int]) -> None:
    """Reproduce the reference next-character predictions of textgenrnn's own generate()."""
    index_to_char = {index: char for char, index in vocab.items()}
    window = model.config.window
    for prompt, (want, min_prob) in EXPECTED.items():
        ids = ([model.config.start_id] + [vocab.get(c, 0) for c in prompt])[-window:]
        ids = [model.config.pad_id] * (window - len(ids)) + ids
        with torch.inference_mode():
            probs = torch.softmax(model(torch.tensor([ids])), dim=-1)[0]
        prob, index = probs.max(dim=0)
        got = index_to_char.get(int(index), "<pad>")
        print(f"{prompt!r} -> {got!r} {float(prob):.3f}")
        if got != want or float(prob) < min_prob:
            raise SystemExit(f"conversion check failed: expected {want!r} >= {min_prob}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hdf5", nargs="?", type=Path, help="textgenrnn_weights.hdf5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        weights_path = args.hdf5 or download_source(Path(tmp))
        model, vocab = convert(weights_path)
    check_predictions(model, vocab)

    WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
    save_vocab(WEIGHTS_DIR / VOCAB_NAME, vocab)
    digest = model.to_checkpoint(WEIGHTS_DIR / CHECKPOINT_NAME)
    print(f"wrote {CHECKPOINT_NAME} (sha256 {digest[:16]}…) and {VOCAB_NAME}")


if __name__ == "__main__":
    main()
