"""The CNN-vs-RNN study: costs, memory reach, timings, the articles' claims."""
