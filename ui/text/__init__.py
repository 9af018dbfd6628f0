"""The LSTM hidden states page: the tokens, the heatmap, one step, look deeper."""
