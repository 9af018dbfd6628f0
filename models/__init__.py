"""Plain-PyTorch models the app looks inside: two ImageNet CNNs and two LSTMs (no streamlit)."""
