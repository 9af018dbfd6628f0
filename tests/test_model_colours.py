"""Every model's colour lives in charts/theme.py, by registry name, and the pages draw in it."""

from __future__ import annotations

from charts.theme import MODEL_COLOURS, Series, model_colour
from models.cnn.registry import CNN_MODELS
from models.digits.registry import DIGIT_READERS
from models.sequence.registry import SEQUENCE_MODELS
from ui.cache.compare import model_styles
from ui.cache.digits import digit_styles


def test_every_model_of_every_registry_has_a_colour_of_its_own_on_its_page() -> None:
    assert set(MODEL_COLOURS) == {*CNN_MODELS, *SEQUENCE_MODELS, *DIGIT_READERS}
    compared = model_styles()
    assert set(compared) == {*CNN_MODELS, *SEQUENCE_MODELS}
    digits = digit_styles()
    for styles in (compared, digits):
        assert {name: style.colour for name, style in styles.items()} == {
            name: model_colour(name) for name in styles
        }
        assert len({style.colour for style in styles.values()}) == len(styles)  # told apart


def test_the_styles_keep_their_labels_and_colours() -> None:
    assert model_styles()["squeezenet1_1"] == Series("SqueezeNet 1.1", "#2ca02c")
    assert model_styles()["cnn1d"] == Series("1D CNN", "#1f77b4")
    assert digit_styles()["rnn"] == Series("vanilla RNN", "#7f7f7f")
