"""What a profile run measured, read for the page and the claims: growth, batching, training.

The page shows these numbers and the claims judge them; neither fits or divides anything itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.compare.profiling import Measurement, ProfilePlan, growth_exponent

# Sizes below these are dominated by the fixed cost of a call, which flattens the fitted slope.
FIT_FROM = {"image": 128, "tokens": 64}


@dataclass(frozen=True)
class Growth:
    """Forward time against input size for every model of one kind of input."""

    series: dict[str, tuple[list[int], list[float]]]  # model -> (sizes, seconds)
    exponents: dict[str, float]  # model -> slope of log(time) against log(size)
    fitted_from: int  # the smallest size the slopes were fitted on


@dataclass(frozen=True)
class ProfileReport:
    plan: ProfilePlan
    images: Growth  # sides in pixels
    tokens: Growth  # sentence lengths in words
    batch_speedup: dict[str, float]  # model -> time of `plan.batch` single calls / one batch
    train_step_ms: dict[str, float]  # sentiment reader -> one training step, milliseconds
    train_ms_per_token: dict[str, float]  # ... divided by the words in the batch

    @property
    def longest_text(self) -> int:
        return max(self.plan.token_lengths)


def growth(rows: Sequence[Measurement], kind: str) -> Growth:
    """Single-input forward times of one kind, and each model's exponent over the sizes past
    the per-call overhead (all sizes when fewer than three are that large: a quick run)."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for row in rows:
        if row.input == kind and row.batch == 1 and row.what == "forward":
            sizes, seconds = series.setdefault(row.model, ([], []))
            sizes.append(row.size)
            seconds.append(row.seconds)
    exponents = {}
    smallest = FIT_FROM[kind]
    for name, (sizes, seconds) in series.items():
        keep = [i for i, size in enumerate(sizes) if size >= FIT_FROM[kind]]
        if len(keep) < 3:
            keep = list(range(len(sizes)))
            smallest = min(sizes)
        exponents[name] = growth_exponent([sizes[i] for i in keep], [seconds[i] for i in keep])
    return Growth(series, exponents, smallest)


def profile_report(rows: Sequence[Measurement], plan: ProfilePlan) -> ProfileReport:
    batched = {(r.model, r.what): r.seconds for r in rows if r.batch > 1 and r.what != "train step"}
    models = list(dict.fromkeys(model for model, _ in batched))
    train = [r for r in rows if r.what == "train step"]
    return ProfileReport(
        plan=plan,
        images=growth(rows, "image"),
        tokens=growth(rows, "tokens"),
        batch_speedup={m: batched[(m, "singles")] / batched[(m, "forward")] for m in models},
        train_step_ms={r.model: r.seconds * 1000 for r in train},
        train_ms_per_token={r.model: r.seconds * 1000 / (r.batch * r.size) for r in train},
    )
