"""The CNN page's downloads, built from a real trace without streamlit: top five CSV, stages NPZ."""

from __future__ import annotations

import csv
import io

import numpy as np
from PIL import Image

from bench.harness.paths import SAMPLES
from models.cnn.export import stages_npz, top5_csv
from models.cnn.imagenet import class_names
from models.cnn.registry import load_cnn
from models.cnn.trace import trace_image


def coffee_trace():
    with Image.open(SAMPLES / "coffee.jpg") as image:
        return trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", image.convert("RGB"))


def test_the_top_five_csv_names_the_traces_five_best_classes_in_order() -> None:
    trace = coffee_trace()
    rows = list(csv.reader(io.StringIO(top5_csv(trace))))
    assert rows[0] == ["rank", "class_index", "label", "probability"]
    names = class_names()
    expected = [
        [str(rank), str(index), names[index], f"{prob:.6f}"]
        for rank, (index, prob) in enumerate(trace.top(5), start=1)
    ]
    assert rows[1:] == expected
    assert rows[1][1:3] == ["967", "espresso"]  # the sample is a cup of espresso


def test_the_stages_npz_holds_every_stage_the_photo_and_the_probabilities() -> None:
    trace = coffee_trace()
    arrays = np.load(io.BytesIO(stages_npz(trace)))
    assert set(arrays.files) == {"probs", "shown", *(stage.name for stage in trace.stages)}
    np.testing.assert_array_equal(arrays["probs"], trace.probs)
    np.testing.assert_array_equal(arrays["shown"], trace.shown)
    for stage in trace.stages:
        np.testing.assert_array_equal(arrays[stage.name], stage.maps)
        assert arrays[stage.name].dtype == np.float32
