"""Handwritten digits read by a CNN and by three row-by-row RNNs: data, readers, training."""
