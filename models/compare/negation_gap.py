"""A probe of memory length: "not" separated from the word it negates by a growing gap.

Each probe is a pair of sentences that differ only in the "not":

    plain:   "the movie was as far as i can tell good ."
    negated: "the movie was not as far as i can tell good ."      (gap 6)

The filler words between "not" and the adjective carry no sentiment (none is in VADER's
lexicon) and no commas. The effect of the "not" is sign(adjective) * (plain − negated final
score): about as large as the adjective's own score while the reader still remembers the "not"
when the sentence ends, 0 once it has forgotten it (and exactly 0 for a reader that cannot see
that far back). The sentences are fixed, so every server computes the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import cycle, islice

import numpy as np

FILLER = "as far as i can tell after the first hour when we watched it over the weekend"
SUBJECTS = ("the movie was", "the food is", "the hotel was", "this phone is", "the story was")
POSITIVE = ("good", "great", "wonderful", "excellent", "nice", "enjoyable", "fun", "lovely")
NEGATIVE = ("bad", "awful", "terrible", "boring", "horrible", "dull", "poor", "disappointing")
GAPS = (0, 1, 2, 4, 6, 8, 10, 12, 16, 20)


@dataclass(frozen=True)
class Probe:
    plain: tuple[str, ...]
    negated: tuple[str, ...]
    gap: int  # words between "not" and the adjective
    sign: int  # +1 for a positive adjective, -1 for a negative one


def filler(gap: int) -> list[str]:
    """Exactly `gap` neutral words."""
    return list(islice(cycle(FILLER.split()), gap))


PAIRS_PER_GAP = len(SUBJECTS) * (len(POSITIVE) + len(NEGATIVE))


def probes(gaps: tuple[int, ...] = GAPS) -> list[Probe]:
    """Every (subject, adjective) pair at every gap: PAIRS_PER_GAP (80) pairs per gap."""
    found = []
    for gap in gaps:
        for subject in SUBJECTS:
            for words, sign in ((POSITIVE, 1), (NEGATIVE, -1)):
                for adjective in words:
                    middle = [*filler(gap), adjective, "."]
                    plain = (*subject.split(), *middle)
                    negated = (*subject.split(), "not", *middle)
                    found.append(Probe(plain, negated, gap, sign))
    return found


def effect_by_gap(
    plain: list[float], negated: list[float], probe_list: list[Probe]
) -> dict[int, float]:
    """Mean effect of the "not" on the final score at each gap (see the module docstring)."""
    effects: dict[int, list[float]] = {}
    for p, n, probe in zip(plain, negated, probe_list, strict=True):
        effects.setdefault(probe.gap, []).append(probe.sign * (p - n))
    return {gap: float(np.mean(values)) for gap, values in sorted(effects.items())}
