"""The time-series page: shipped series, a visitor's own, live training, look deeper."""
