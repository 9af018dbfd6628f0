"""The CNN vs RNN page: the same sentence and photo measured side by side."""
