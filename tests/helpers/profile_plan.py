"""The quick profiling plan's shape at a fraction of its cost, for the tests that measure.

Every kind of row, two sizes or more of each input, batches and training steps of a few inputs,
one timing each. `make bench` runs the quick plan itself (bench/quick_profile.py).
"""

from models.compare.profiling import ProfilePlan

SMALL_PLAN = ProfilePlan(
    image_sides=(32, 64),
    token_lengths=(4, 8, 16),
    repeats=1,
    batch_image_side=32,
    batch_tokens=8,
    train_tokens=8,
    batch=3,
    train_batch=2,
)
