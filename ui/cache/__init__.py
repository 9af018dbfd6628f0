"""Cached results shared by the wings: models loaded once, one trace per input."""
