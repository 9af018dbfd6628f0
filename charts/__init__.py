"""Chart builders: pure functions from numpy arrays and traces to plotly figures."""
