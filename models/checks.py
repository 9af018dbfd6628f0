"""The check before and after the tour: six ideas, each a question whose answer the models give.

Each idea is one function from measured numbers (a model's geometry, a class map's peak, the
"not" table, the gradients over a corpus, a reader's steps) to a Check: the words that explain
its terms, the question, the choices and the answer. The check before the tour and the check
after it ask every idea once, each on its own example (another model, photo, gap, distance or
length), so the two are matched pairs. All the check's wording lives here, so the tour and the
teacher's view say the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models import lessons

PHASES = ("before", "after")
# The six ideas, in the order asked, with the short name a teacher reads.
IDEAS = {
    "maps": "How a CNN's maps change size with depth",
    "field": "How much of the photo one deep unit sees",
    "evidence": "Where a CNN finds the evidence for its guess",
    "not": "How long a reader hears a “not”",
    "gradient": "Whose gradient fades over a long text",
    "steps": "Steps in a row: a recurrent reader against a CNN",
}


@dataclass(frozen=True)
class Check:
    """One question of the check, with its answer computed from the models."""

    idea: str  # one of IDEAS
    intro: str  # what the learner needs to read the question: its terms, explained (markdown)
    question: str  # markdown
    choices: tuple[str, ...]  # plain text
    answer: str  # one of the choices
    why: str  # the numbers behind the answer (markdown), shown only after the check after

    @property
    def name(self) -> str:
        """The question's name in a class's answers: `check.` and its idea."""
        return f"check.{self.idea}"


def side(units: int) -> str:
    return f"{units}×{units}"


def maps_check(model: str, photo_side: int, map_sides: Sequence[tuple[str, int]]) -> Check:
    """How large a CNN's last maps are, from each stage's (name, map side) in order."""
    (first, first_side), (last, last_side) = map_sides[0], map_sides[-1]
    sides = sorted({s for _, s in map_sides} | {photo_side})
    chain = " → ".join(side(s) for s in dict.fromkeys(s for _, s in map_sides))
    return Check(
        "maps",
        "A **convolutional network** (CNN) reads a photo in **stages**. Each stage makes "
        "**feature maps**: grids of numbers, one grid per pattern it looks for (an edge, a "
        "texture, an eye), that say where in the photo the pattern is.",
        f"**{model}** reads a photo of {side(photo_side)} pixels; its first stage, "
        f"*{first}*, makes maps of {side(first_side)}. How large is each map of its last "
        f"stage, *{last}* (stage {len(map_sides)})?",
        tuple(side(s) for s in sides),
        side(last_side),
        f"{model}'s maps, stage after stage: {chain}. Each step with a stride of 2 (the filter "
        "moving two pixels at a time) halves the side, so the deeper the stage, the smaller "
        "its maps.",
    )


def field_check(
    model: str, photo_side: int, stage: str, position: int, stages: int, field: int, map_size: int
) -> Check:
    """How much of the photo's width one unit of `stage` sees, from its receptive field."""
    return Check(
        "field",
        "Each number in a feature map (a **unit**) is computed from a patch of the photo "
        "only: the pixels it can see, its **receptive field**.",
        f"Stage *{stage}* of **{model}** (stage {position} of {stages}) has maps of "
        f"{side(map_size)} units over a {photo_side}-pixel photo. How much of the photo's "
        "width can one of its units see?",
        lessons.FIELD_CHOICES,
        lessons.field_share(field, map_size, photo_side),
        f"One unit of *{stage}* sees {side(field)} pixels, "
        f"{min(field, photo_side) / photo_side:.0%} of the photo's width: every stage before "
        "it adds its filter's size, and every stride multiplies what comes after.",
    )


def evidence_check(label: str, peak: tuple[float, float], photo_side: int, model: str) -> Check:
    """Where the class map of the CNN's top guess peaks, as a ninth of the photo."""
    x, y = peak
    return Check(
        "evidence",
        f"**{model}**, a CNN trained on ImageNet's 1,000 classes, names what a photo shows. "
        "Its last stage keeps, for every class, a score at each place in the photo: the "
        "**evidence** for that class there.",
        f"For the photo shown, its top guess is *{label}*. In which part of the photo did it "
        "find the most evidence for that guess?",
        lessons.REGIONS,
        lessons.region_of(x, y, photo_side),
        f"Its class activation map for *{label}* peaks at ({x:.0f}, {y:.0f}) of the "
        f"{photo_side}-pixel photo.",
    )


def not_check(
    gap: int,
    effects: Mapping[str, Mapping[int, float]],
    labels: Mapping[str, str],
    conv: str,
    window: int,
) -> Check:
    """Which reader a "not" `gap` words back still moves most, from the measured table."""
    recurrent = [labels[name] for name in effects if name != conv]
    heard = ", ".join(f"{labels[n]} {effects[n][gap]:+.2f}" for n in effects)
    return Check(
        "not",
        "Four small networks were trained to say whether a sentence is positive or negative. "
        f"Three are **recurrent** ({', '.join(recurrent)}): they read one word at a time and "
        f"carry a memory of what came before to the next word. The fourth, a "
        f"**{labels[conv]}**, slides filters over a window of {window} words at a time.",
        f"Each reads *the movie was not* … {gap} neutral words … *good*, and the same sentence "
        "without the *not*. For which of them does the *not* change the final verdict most?",
        tuple(labels[name] for name in effects),
        labels[lessons.loudest_at(effects, gap)],
        f"How much the *not* moves the final score with {gap} words in between (averaged over "
        f"many such sentences): {heard}.",
    )


def kept_at(curve: np.ndarray, distance: int) -> float:
    """What is left of a gradient `distance` words back, as a share of its size at the end."""
    return float(curve[distance] / max(float(curve[0]), 1e-30))


def gradient_check(
    distance: int, words: int, texts: int, medians: Mapping[str, np.ndarray], labels: Mapping
) -> Check:
    """Which recurrent reader keeps least of its gradient `distance` words back."""
    faded = min(medians, key=lambda name: kept_at(medians[name], distance))
    kept = ", ".join(f"{labels[n]} {kept_at(c, distance):.0%}" for n, c in medians.items())
    return Check(
        "gradient",
        "A network learns through its **gradient**: for each word, how much a small change to "
        "that word would change the final verdict. A word whose gradient is tiny barely "
        "counts, and the network can hardly learn from it.",
        f"Over {texts} real texts of {words} words, which of the recurrent readers "
        f"({', '.join(labels[n] for n in medians)}) keeps the least of its gradient for the "
        f"word {distance} words before the end?",
        tuple(labels[name] for name in medians),
        labels[faded],
        f"What is left of the median gradient {distance} words back, against its size at the "
        f"last word: {kept}.",
    )


def steps_check(
    words: int, rnn: str, rnn_steps: int | None, conv: str, conv_steps: int | None
) -> Check:
    """Steps in a row for a `words`-word text: a recurrent reader's and a conv reader's."""
    ours = (lessons.steps_in_a_row(rnn_steps, words), lessons.steps_in_a_row(conv_steps, words))
    options = sorted({ours, ours[::-1], (words, words), (1, 1)})

    def say(pair: tuple[int, int]) -> str:
        return f"{rnn} {pair[0]:,} · {conv} {pair[1]:,}"

    return Check(
        "steps",
        "Computers are fast when many sums can be done at the same time; a step that must wait "
        f"for the one before cannot. The **{rnn}** is recurrent: it reads one word at a time, "
        f"carrying a memory along. The **{conv}** slides its filters along the words, layer "
        "after layer.",
        f"For a text of {words:,} words, how many steps must each take one after another, "
        "each waiting for the one before?",
        tuple(say(pair) for pair in options),
        say(ours),
        f"The {rnn} needs its memory after word t before it can read word t + 1: {ours[0]:,} "
        f"steps in a row. The {conv} computes every position of a layer at once: {ours[1]:,} "
        "layer steps, however long the text.",
    )


def score(checks: Sequence[Check], chosen: Mapping[str, str]) -> int:
    """How many of `checks` the choices (idea -> choice) answer right."""
    return sum(chosen.get(check.idea) == check.answer for check in checks)
