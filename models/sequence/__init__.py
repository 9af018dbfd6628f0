"""The sequence readers: four sentiment readers and the character LSTM, traced token by token."""
