"""Command line: `python -m models predict|maps|explain|sentiment|attribute|digits|summary|profile|
forecast`, and `check|states` for brought models (models/custom/commands.py). With `--models DIR
--model NAME`, `predict`, `maps`, `explain` and `digits` read the operator's CNNs (digits: a grey
28×28 one of ten classes) and `attribute` the operator's sequence models; `sentiment` refuses
them in one line (they give classes, not a running score)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from imaging.maps import colorize, overlay_image, scale_maps, tile
from models.cnn.images import CropGeometry, ImageInputError, LoadedPhoto, load_photo
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN, CnnSpec, load_cnn
from models.cnn.trace import CnnTrace, trace_image
from models.compare.profiling import ProfilePlan
from models.custom import commands as own_models
from models.custom.config import ConfigError
from models.custom.own_cnn import NotACnn, OwnCnn, open_own_cnn
from models.custom.sequence_spec import OwnSequenceSpec
from models.digits.prepare import FIELD
from models.digits.registry import DEFAULT_DIGIT_READER, DIGIT_READERS
from models.sequence.registry import DEFAULT_SEQUENCE, SENTIMENT_READERS, SEQUENCE_MODELS

if TYPE_CHECKING:
    import torch
    from torch import nn

    from models.cnn.explain import Explanation
    from models.digits.readers import DigitReader
    from models.sequence.registry import SequenceSpec
    from models.sequence.trace import SequenceTrace


def _fail(subject: str, message: str) -> None:
    print(f"error: {subject}: {message}", file=sys.stderr)


def _read_photo(path: str) -> Image.Image:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImageInputError(error.strerror or "cannot read the file") from error
    return load_photo(data).image


@dataclass(frozen=True)
class Cnn:
    """A CNN as the verbs read it, shipped or the operator's: its spec, a picture's trace, and
    an explanation of a model input."""

    name: str
    spec: CnnSpec | OwnCnn
    trace: Callable[[Image.Image], CnnTrace]
    explain: Callable[[torch.Tensor, str, int, str | None], Explanation]


def open_cnn(name: str, folder: Path | None) -> Cnn | int:
    """The shipped CNN `name`, or with `folder` the operator's model of that name; or the exit
    status after saying on stderr why not."""
    from models.cnn.explain import explain

    if name in CNN_MODELS:
        model = load_cnn(name)
        return Cnn(
            name,
            CNN_MODELS[name],
            lambda image: trace_image(model, name, image),
            lambda batch, method, k, layer: explain(name, model, batch, method, k, layer),
        )
    if folder is None:
        _fail(
            "--model",
            f"{name!r} is not one of the app's CNNs ({', '.join(CNN_MODELS)}); "
            "give --models DIR for the operator's models",
        )
        return 2
    try:
        own = open_own_cnn(folder, name)
    except ConfigError as error:
        _fail(error.config, error.problem)
        return 1
    except NotACnn as error:
        _fail(name, str(error))
        return 1
    except Exception as error:  # what the brought code raises past the checks
        _fail(name, " ".join(f"{type(error).__name__}: {error}".split()))
        return 1
    if own.taps.without_export is not None:
        print(f"note: {name}: served without export: {own.taps.without_export}", file=sys.stderr)
    return Cnn(name, own, own.trace, own.explain)


def predict(images: Sequence[str], model_name: str, top: int, folder: Path | None = None) -> int:
    cnn = open_cnn(model_name, folder)
    if isinstance(cnn, int):
        return cnn
    names = cnn.spec.class_names()
    status = 0
    for path in images:
        try:
            trace = cnn.trace(_read_photo(path))
        except ImageInputError as error:
            _fail(path, str(error))
            status = 1
            continue
        ranked = [
            {"index": index, "label": names[index], "prob": round(prob, 6)}
            for index, prob in trace.top(top)
        ]
        print(json.dumps({"image": path, "model": model_name, "top": ranked}), flush=True)
    return status


def maps(image: str, model_name: str, layer: str, out: Path, folder: Path | None = None) -> int:
    cnn = open_cnn(model_name, folder)
    if isinstance(cnn, int):
        return cnn
    try:
        trace = cnn.trace(_read_photo(image))
    except ImageInputError as error:
        _fail(image, str(error))
        return 1
    try:
        stage = trace.stage(layer)
    except KeyError:
        known = ", ".join(stage.name for stage in trace.stages)
        _fail(layer, f"no such layer in {model_name}; choose one of: {known}")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{Path(image).stem}_{model_name}_{layer}"
    np.save(out / f"{stem}.npy", stage.maps)
    columns = math.ceil(math.sqrt(stage.shape[0]))
    grid = tile(colorize(scale_maps(stage.maps, per_channel=True)), columns, gap=1, fill=255)
    Image.fromarray(grid).save(out / f"{stem}.png")
    summary = {
        "image": image,
        "model": model_name,
        "layer": layer,
        "shape": list(stage.shape),
        "png": str(out / f"{stem}.png"),
        "npy": str(out / f"{stem}.npy"),
    }
    print(json.dumps(summary), flush=True)
    return 0


def explain_images(
    images: Sequence[str],
    model_name: str,
    method: str,
    class_index: int | None,
    layer: str | None,
    out: Path | None,
    folder: Path | None = None,
) -> int:
    from models.cnn.images import crop_geometry

    cnn = open_cnn(model_name, folder)
    if isinstance(cnn, int):
        return cnn
    spec = cnn.spec
    stages = spec.stages()
    if layer is not None and layer not in stages:
        _fail(layer, f"no such layer in {model_name}; choose one of: {', '.join(stages)}")
        return 2
    names = spec.class_names()
    if class_index is not None and not 0 <= class_index < len(names):
        _fail("--class", f"must be 0..{len(names) - 1}")
        return 2
    if method == "cam" and spec.cam_stage is None:
        _fail(
            model_name,
            "has no class activation map: it does not end in a global pool and a "
            "linear layer (use --method gradcam or occlusion)",
        )
        return 2
    status = 0
    for path in images:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            _fail(path, error.strerror or "cannot read the file")
            status = 1
            continue
        try:
            photo = load_photo(data)
        except ImageInputError as error:
            _fail(path, str(error))
            status = 1
            continue
        batch, _ = spec.preprocess(photo.image)
        chosen = class_index
        if chosen is None:
            chosen = cnn.trace(photo.image).top(1)[0][0]
        result = cnn.explain(batch, method, chosen, layer)
        geometry = crop_geometry(
            photo.image.width, photo.image.height, spec.resize_short_side, spec.input_size
        )
        x, y = photo.to_original(*geometry.to_photo(*result.peak_input()))
        record = {
            "image": path,
            "model": model_name,
            "method": method,
            "class": chosen,
            "label": names[chosen],
            "layer": result.layer,
            "peak": [round(x, 1), round(y, 1)],
        }
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            stem = f"{Path(path).stem}_{model_name}_{method}_{chosen}"
            heat = photo_heatmap(photo, geometry, result.on_input(spec.input_size))
            np.save(out / f"{stem}.npy", heat)
            Image.fromarray(overlay_image(np.asarray(photo.image), heat, 0.6)).resize(
                photo.upright_size
            ).save(out / f"{stem}.png")
            record |= {"png": str(out / f"{stem}.png"), "npy": str(out / f"{stem}.npy")}
        print(json.dumps(record), flush=True)
    return status


def photo_heatmap(photo: LoadedPhoto, geometry: CropGeometry, on_input: np.ndarray) -> np.ndarray:
    """A (side, side) map over the model input placed where the crop came from on the whole
    photo (outside the crop: the map's minimum), at the photo's original upright size."""
    side = on_input.shape[0]
    canvas = np.full((geometry.size[1], geometry.size[0]), float(on_input.min()), np.float32)
    canvas[geometry.top : geometry.top + side, geometry.left : geometry.left + side] = on_input
    width, height = photo.upright_size
    return np.asarray(Image.fromarray(canvas).resize((width, height), Image.Resampling.BILINEAR))


def _texts(command: str, texts: Sequence[str], file: Path | None) -> list[str] | int:
    """The texts from the command line and the file, or the exit status of a failure."""
    if file is not None:
        try:
            texts = [*texts, *file.read_text(encoding="utf-8").splitlines()]
        except (OSError, UnicodeDecodeError) as error:
            _fail(str(file), str(error))
            return 1
    if not texts:
        _fail(command, "give at least one TEXT or --file F")
        return 2
    return list(texts)


@dataclass(frozen=True)
class TextReader:
    """A sequence model as the text verbs read it, shipped or the operator's."""

    name: str
    spec: SequenceSpec
    model: nn.Module

    def trace(self, text: str) -> SequenceTrace:
        return self.spec.trace(self.model, self.name, text, self.spec.max_tokens)


def open_reader(name: str, folder: Path | None, shipped: Sequence[str]) -> TextReader | int:
    """The shipped reader `name` (one of `shipped`), or with `folder` the operator's sequence
    model of that name; or the exit status after saying on stderr why not."""
    from models.sequence.registry import spec_of

    if name in shipped:
        spec = spec_of(name)
        return TextReader(name, spec, spec.load())
    if folder is None:
        _fail(
            "--model",
            f"{name!r} is not one of {', '.join(shipped)}; give --models DIR for the "
            "operator's models",
        )
        return 2
    own = own_models.open_sequence(folder, name)
    if isinstance(own, int):
        return own
    return TextReader(name, own, own.load())


def _read_each(
    command: str,
    texts: Sequence[str],
    file: Path | None,
    reader: TextReader,
    record: Callable[[TextReader, SequenceTrace], dict[str, object]],
) -> int:
    """Every text traced by the reader, one JSON line each: the text, its tokens and `record`'s
    fields. A text with nothing to read is reported on stderr and makes the exit status 1."""
    from models.sequence.trace import EmptyTextError

    texts = _texts(command, texts, file)
    if isinstance(texts, int):
        return texts
    status = 0
    for text in texts:
        try:
            trace = reader.trace(text)
        except EmptyTextError as error:
            _fail(repr(text), str(error))
            status = 1
            continue
        line = {"text": text, "tokens": list(trace.tokens), **record(reader, trace)}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return status


def sentiment(
    texts: Sequence[str], file: Path | None, model_name: str, folder: Path | None = None
) -> int:
    reader = open_reader(model_name, folder, SENTIMENT_READERS)
    if isinstance(reader, int):
        return reader
    if not reader.spec.scores_sentiment:
        _fail(
            model_name,
            "gives no running sentiment score: it sorts a text into classes "
            "(use attribute, or states for its insides)",
        )
        return 2

    def scores(reader: TextReader, trace: SequenceTrace) -> dict[str, object]:
        assert trace.sentiment is not None  # a sentiment reader's trace has its scores
        scores = [round(float(score), 4) for score in trace.sentiment]
        return {"scores": scores, "final": scores[-1]}

    return _read_each("sentiment", texts, file, reader, scores)


def attribute(
    texts: Sequence[str],
    file: Path | None,
    model_name: str,
    method: str,
    folder: Path | None = None,
) -> int:
    """How much each token moved the final score (a sentiment reader) or the log-probability
    of the predicted class (the operator's sequence model: its "class" is in the line)."""
    from models.sequence.attribution import attribute as attribute_tokens

    reader = open_reader(model_name, folder, SENTIMENT_READERS)
    if isinstance(reader, int):
        return reader
    if not reader.spec.attribution:
        _fail(model_name, getattr(reader.spec, "gradients_note", "") or "has no attribution")
        return 2

    def attribution(reader: TextReader, trace: SequenceTrace) -> dict[str, object]:
        if isinstance(reader.spec, OwnSequenceSpec):
            ig, left_out = reader.spec.attribute(reader.model, trace.tokens)
            result = ig if method == "ig" else left_out
        else:
            result = attribute_tokens(reader.model, trace.tokens, method)
        line: dict[str, object] = {
            "attribution": [round(float(v), 6) for v in result.values],
            "final": round(result.score, 6),
        }
        if trace.verdict is not None:  # the log-probability of the class it predicts
            line["class"] = trace.verdict.classes[trace.verdict.predicted]
        return line

    return _read_each("attribute", texts, file, reader, attribution)


def summary() -> int:
    from models.compare.summary import summarise
    from models.sequence.registry import load_sequence_model

    for name in CNN_MODELS:
        print(json.dumps(summarise(name, load_cnn(name)).as_json()), flush=True)
    for name in SEQUENCE_MODELS:
        print(json.dumps(summarise(name, load_sequence_model(name)).as_json()), flush=True)
    return 0


def profile(plan: ProfilePlan) -> int:
    """One JSON line per measurement of `plan`, on every CNN and sentiment reader."""
    from models.compare.profiling import run_profile
    from models.sequence.registry import load_sequence_model

    cnns = {name: load_cnn(name) for name in CNN_MODELS}
    readers = {name: load_sequence_model(name) for name in SENTIMENT_READERS}
    for _, measurement in run_profile(cnns, readers, plan):
        print(json.dumps(measurement.as_json()), flush=True)
    return 0


def digits(images: Sequence[str], model_name: str, folder: Path | None = None) -> int:
    """One JSON line per picture: the digit, its ten probabilities and, for a row reader, the top
    digit after each row. With `folder`, the reader may be the operator's grey 28×28 CNN of ten
    classes, given the prepared digit normalised as its config says."""
    from models.digits.analysis import trace_digit
    from models.digits.prepare import DigitInputError, open_digit_picture, prepare_digit

    read = _digit_reader(model_name, folder)
    if isinstance(read, int):
        return read
    status = 0
    for path in images:
        try:
            data = Path(path).read_bytes()
            prepared = prepare_digit(open_digit_picture(data))
        except OSError as error:
            _fail(path, error.strerror or "cannot read the file")
            status = 1
            continue
        except (ImageInputError, DigitInputError) as error:
            _fail(path, str(error))
            status = 1
            continue
        if isinstance(read, OwnCnn):
            probs, after_rows = _own_digit_probs(read, prepared.digit), None
        else:
            trace = trace_digit(model_name, read, prepared.digit)
            probs, after_rows = trace.probs, trace.after_rows
        record = {
            "image": path,
            "model": model_name,
            "digit": int(np.argmax(probs)),
            "probs": [round(float(p), 6) for p in probs],
            "after_rows": None
            if after_rows is None
            else [int(d) for d in after_rows.argmax(axis=1)],
        }
        print(json.dumps(record), flush=True)
    return status


def forecast(
    path: Path, column: str | None, train: bool, epochs: int | None, horizon: int | None
) -> int:
    """One JSON object: the series' sizes and every forecaster's held-out one-step MAE."""
    from models.series.forecast import MAX_HORIZON
    from models.series.report import forecast_file
    from models.series.visitor import SeriesInputError

    if epochs is not None and epochs < 1:
        _fail("--epochs", "must be at least 1")
        return 2
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        _fail("--horizon", f"must be 1..{MAX_HORIZON}")
        return 2
    try:
        record = forecast_file(path, column, train, epochs, horizon)
    except SeriesInputError as error:
        _fail(str(path), str(error))
        return 1
    print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _digit_reader(name: str, folder: Path | None) -> DigitReader | OwnCnn | int:
    """The shipped digit reader `name`, or the operator's CNN of that name if it reads grey
    28×28 pictures into ten classes; or the exit status after saying why not."""
    if name in DIGIT_READERS:
        return DIGIT_READERS[name].load()
    if folder is None:
        _fail(
            "--model",
            f"{name!r} is not one of {', '.join(DIGIT_READERS)}; give --models DIR for the "
            "operator's models",
        )
        return 2
    cnn = open_cnn(name, folder)
    if isinstance(cnn, int):
        return cnn
    own = cnn.spec
    assert isinstance(own, OwnCnn)  # the folder's names never shadow the app's (check)
    if (own.channels, own.input_size, len(own.class_names())) != (1, FIELD, 10):
        kind = "grey" if own.channels == 1 else "colour"
        _fail(
            name,
            f"reads {own.input_size}×{own.input_size} {kind} pictures into "
            f"{len(own.class_names())} classes; digits gives a grey {FIELD}×{FIELD} digit to "
            "ten classes (use predict)",
        )
        return 2
    return own


def _own_digit_probs(own: OwnCnn, digit: np.ndarray) -> np.ndarray:
    """The ten probabilities of the operator's CNN on a prepared (28, 28) digit in [0, 1]."""
    import torch

    pixels = torch.as_tensor(digit, dtype=torch.float32)[None, None]
    batch = (pixels - own.image.mean[0]) / own.image.std[0]
    return own.forward(batch)[0].softmax(dim=0).numpy()


def add_cnn_choice(command: argparse.ArgumentParser) -> None:
    """--model NAME (the app's CNNs) and --models DIR (then NAME may be the operator's)."""
    command.add_argument(
        "--model",
        default=DEFAULT_CNN,
        metavar="NAME",
        help=f"{' or '.join(CNN_MODELS)} (default {DEFAULT_CNN}), or with --models a model of "
        "that folder",
    )
    add_models_dir(command)


def add_models_dir(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--models", type=Path, metavar="DIR", help="a folder of the operator's model configs"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    predict_cmd = commands.add_parser("predict", help="top-K ImageNet classes for each image")
    predict_cmd.add_argument("images", nargs="+", metavar="IMAGE")
    add_cnn_choice(predict_cmd)
    predict_cmd.add_argument("--top", type=int, default=5, metavar="K")

    maps_cmd = commands.add_parser("maps", help="write one layer's feature maps as PNG and .npy")
    maps_cmd.add_argument("image", metavar="IMAGE")
    add_cnn_choice(maps_cmd)
    maps_cmd.add_argument("--layer", required=True, metavar="L")
    maps_cmd.add_argument("--out", type=Path, required=True, metavar="DIR")

    sentiment_cmd = commands.add_parser("sentiment", help="running sentiment of each text")
    sentiment_cmd.add_argument("texts", nargs="*", metavar="TEXT")
    sentiment_cmd.add_argument("--file", type=Path, metavar="F", help="one text per line")
    sentiment_cmd.add_argument(
        "--model",
        default=DEFAULT_SEQUENCE,
        metavar="NAME",
        help=f"{' or '.join(SENTIMENT_READERS)} (default {DEFAULT_SEQUENCE}); a model of --models "
        "is refused: it gives classes, not a sentiment score",
    )
    add_models_dir(sentiment_cmd)

    attribute_cmd = commands.add_parser("attribute", help="how much each token moved the score")
    attribute_cmd.add_argument("texts", nargs="*", metavar="TEXT")
    attribute_cmd.add_argument("--file", type=Path, metavar="F", help="one text per line")
    attribute_cmd.add_argument(
        "--model",
        default="sentiment",
        metavar="NAME",
        help=f"sentiment (the LSTM) or another reader ({', '.join(SENTIMENT_READERS)}), or with "
        "--models a sequence model of that folder (its predicted class's log-probability)",
    )
    add_models_dir(attribute_cmd)
    attribute_cmd.add_argument("--method", choices=["ig", "occlusion"], default="ig")

    explain_cmd = commands.add_parser("explain", help="where each image holds a class's evidence")
    explain_cmd.add_argument("images", nargs="+", metavar="IMAGE")
    add_cnn_choice(explain_cmd)
    explain_cmd.add_argument("--method", choices=["cam", "gradcam", "occlusion"], default="cam")
    explain_cmd.add_argument("--class", dest="class_index", type=int, metavar="K")
    explain_cmd.add_argument(
        "--layer", metavar="L", help="the stage for Grad-CAM (default: the one before the last)"
    )
    explain_cmd.add_argument("--out", type=Path, metavar="DIR", help="write overlay PNG and .npy")

    digits_cmd = commands.add_parser("digits", help="read handwritten digits with four readers")
    digits_cmd.add_argument("images", nargs="+", metavar="IMAGE")
    digits_cmd.add_argument(
        "--model",
        default=DEFAULT_DIGIT_READER,
        metavar="NAME",
        help=f"{' or '.join(DIGIT_READERS)} (default {DEFAULT_DIGIT_READER}), or with --models "
        "a grey 28×28 CNN of ten classes from that folder",
    )
    add_models_dir(digits_cmd)

    forecast_cmd = commands.add_parser(
        "forecast", help="held-out one-step error of the series readers and baselines on a CSV"
    )
    forecast_cmd.add_argument("file", type=Path, metavar="FILE.csv")
    forecast_cmd.add_argument("--column", metavar="NAME", help="the column of values")
    forecast_cmd.add_argument(
        "--train", action="store_true", help="train the four readers on the file's first 80%%"
    )
    forecast_cmd.add_argument("--epochs", type=int, metavar="N", help="with --train (default 60)")
    forecast_cmd.add_argument(
        "--horizon", type=int, metavar="H", help="also forecast H steps fed back on themselves"
    )

    commands.add_parser("summary", help="parameters, MACs, steps and reach of every model")
    profile_cmd = commands.add_parser("profile", help="time every model as its input grows")
    profile_cmd.add_argument(
        "--quick",
        action="store_true",
        help="fewer sizes and three repeats (medians): noisier than the full run",
    )
    own_models.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status = own_models.run(args)
    if status is not None:
        return status
    if args.command == "predict":
        if args.top < 1:
            _fail("--top", "must be at least 1")
            return 2
        return predict(args.images, args.model, args.top, args.models)
    if args.command == "maps":
        return maps(args.image, args.model, args.layer, args.out, args.models)
    if args.command == "explain":
        return explain_images(
            args.images,
            args.model,
            args.method,
            args.class_index,
            args.layer,
            args.out,
            args.models,
        )
    if args.command == "attribute":
        model = DEFAULT_SEQUENCE if args.model == "sentiment" else args.model
        return attribute(args.texts, args.file, model, args.method, args.models)
    if args.command == "summary":
        return summary()
    if args.command == "digits":
        return digits(args.images, args.model, args.models)
    if args.command == "forecast":
        return forecast(args.file, args.column, args.train, args.epochs, args.horizon)
    if args.command == "profile":
        return profile(ProfilePlan.quick() if args.quick else ProfilePlan.full())
    return sentiment(args.texts, args.file, args.model, args.models)
