"""What each model costs and what it can see, computed from its structure and weights.

Image CNNs: multiply-accumulates and activations per image at the side it was trained on
(models/cnn/geometry.py), the number of layers that must run one after another (its depth on
the longest path), and the receptive field of its last stage in pixels.
Sentiment readers and the char LSTM: multiply-accumulates and activations per token. A
recurrent reader must run one step per token, in order; the causal 1D CNN runs its layers one
after another but every position at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from models.cnn.geometry import total_macs
from models.cnn.registry import CNN_MODELS
from models.sequence.registry import SEQUENCE_MODELS, SequenceSpec, Task, spec_of
from models.sequence.sentiment import SentimentModel
from models.sequence.state_analysis import DELTA

FLOAT_BYTES = 4


@dataclass(frozen=True)
class ModelSummary:
    model: str
    title: str
    family: str  # "cnn" or "rnn"
    params: int
    macs: int
    macs_per: str  # "image" or "token"
    sequential_steps: int | None  # layers in a row (CNNs); None: one per token, in order
    receptive_field: int | None  # pixels or words one output sees; None: every earlier word
    receptive_field_unit: str  # "pixels", "words" or "characters"
    activation_bytes: int  # per image or per token: every intermediate value a pass keeps
    weight_sharing: str  # how often one set of weights is reused, in words
    filter_positions: int | None = None  # image CNNs: places its first filters are applied at

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "family": self.family,
            "params": self.params,
            "macs": self.macs,
            "macs_per": self.macs_per,
            "sequential_steps": "T" if self.sequential_steps is None else self.sequential_steps,
            "receptive_field": self.receptive_field,
            "receptive_field_unit": self.receptive_field_unit,
            "activation_bytes": self.activation_bytes,
        }


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def cnn_summary(name: str, model: nn.Module) -> ModelSummary:
    spec = CNN_MODELS[name]
    ops = spec.spatial_ops(spec.input_size)
    conv1 = ops[0]
    last_field = list(spec.receptive_fields().values())[-1]
    return ModelSummary(
        model=name,
        title=spec.title,
        family="cnn",
        params=count_params(model),
        macs=total_macs(ops),
        macs_per="image",
        sequential_steps=sum(op.on_path for op in ops),
        receptive_field=last_field.size,
        receptive_field_unit="pixels",
        activation_bytes=sum(op.out_size**2 * op.c_out for op in ops) * FLOAT_BYTES,
        weight_sharing=f"its first {conv1.kernel}×{conv1.kernel} filters are applied at "
        f"{conv1.out_size**2:,} positions of a {spec.input_size}-pixel image",
        filter_positions=conv1.out_size**2,
    )


def reader_macs_per_token(spec: SequenceSpec, model: SentimentModel) -> int:
    """Multiply-accumulates per word: the encoder's, plus the head's H."""
    config = model.config
    e, h = config.embed_dim, config.hidden_size
    if spec.recurrent:
        encoder = spec.gate_blocks * (e * h + h * h)
    else:
        k = config.kernel_size
        encoder = k * e * h + (config.conv_layers - 1) * k * h * h
    return encoder + h


def reader_activation_values_per_token(spec: SequenceSpec, model: SentimentModel) -> int:
    """Values one word leaves behind in a pass: its embedding, the gates and states, the score.

    A recurrent reader keeps every state the trace shows except Δh, which is derived from h:
    the LSTM's f, i, g, o, c and h; the GRU's z, r, n and h; the plain RNN's h.
    """
    config = model.config
    e, h = config.embed_dim, config.hidden_size
    if not spec.recurrent:
        return e + config.conv_layers * h + 1
    kept = sum(1 for state in spec.states if state != DELTA)
    return e + kept * h + 1


def reader_summary(name: str, model: SentimentModel) -> ModelSummary:
    spec = spec_of(name)
    config = model.config
    convolutional = not spec.recurrent
    return ModelSummary(
        model=name,
        title=spec.title,
        family="cnn" if convolutional else "rnn",
        params=count_params(model),
        macs=reader_macs_per_token(spec, model),
        macs_per="token",
        sequential_steps=config.conv_layers if convolutional else None,
        receptive_field=config.window,
        receptive_field_unit="words",
        activation_bytes=reader_activation_values_per_token(spec, model) * FLOAT_BYTES,
        weight_sharing=f"one set of {config.kernel_size}-word filters at every position"
        if convolutional
        else "one set of recurrent weights reused at every word, one word after another",
    )


def char_summary(name: str, model: nn.Module) -> ModelSummary:
    config = model.config
    e, h, w = config.embed_dim, config.hidden_size, config.window
    per_step = 4 * (e * h + h * h) + 4 * (h * h + h * h)  # both LSTM layers, one character
    readout = w * config.concat_dim + config.concat_dim * config.vocab_size
    return ModelSummary(
        model=name,
        title=spec_of(name).title,
        family="rnn",
        params=count_params(model),
        macs=w * per_step + readout,  # every guess re-reads a fresh window of w characters
        macs_per="token",
        sequential_steps=len(model.lstms) * w,
        receptive_field=w,
        receptive_field_unit="characters",
        activation_bytes=w * (e + len(model.lstms) * 6 * h) * FLOAT_BYTES,
        weight_sharing=f"one set of recurrent weights per layer, reused at each of the {w} "
        "characters of every window",
    )


def summarise(name: str, model: nn.Module) -> ModelSummary:
    if name in CNN_MODELS:
        return cnn_summary(name, model)
    if name not in SEQUENCE_MODELS:
        raise KeyError(f"unknown model {name!r}")
    if SEQUENCE_MODELS[name].task is Task.SENTIMENT:
        return reader_summary(name, model)
    return char_summary(name, model)
