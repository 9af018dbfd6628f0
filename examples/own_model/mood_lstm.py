"""A two-layer LSTM that reads a sentence word by word and says negative or positive.

Word ids (batch, time) -> embedding -> a two-layer LSTM reading time-first -> the last step's
output -> dropout -> linear (2 classes). Because the head reads only the last step of a
forward-only LSTM, the app can show its verdict after every word. `build()` is the builder.
"""

from torch import nn

VOCAB_SIZE = 1000  # rows of the embedding; the vocab file may use fewer


class MoodLSTM(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, embed_dim=16, hidden=32, num_classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, num_layers=2, dropout=0.2)
        self.dropout = nn.Dropout(0.3)
        self.out = nn.Linear(hidden, num_classes)

    def forward(self, ids):
        x = self.embed(ids).transpose(0, 1)  # (time, batch, embed)
        outputs, _ = self.lstm(x)
        return self.out(self.dropout(outputs[-1]))


def build():
    return MoodLSTM()
