"""A bidirectional GRU that reads a sentence and says whether it is negative or positive.

Word ids (batch, time) -> embedding -> one bidirectional GRU layer -> the final state of each
direction side by side -> dropout -> linear (2 classes). `build()` is the config's builder.
"""

import torch
from torch import nn

VOCAB_SIZE = 1000  # rows of the embedding; the vocab file may use fewer


class MoodGRU(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, embed_dim=16, hidden=32, num_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(2 * hidden, num_classes))

    def forward(self, ids):
        _, h = self.gru(self.embedding(ids))  # h: (2, batch, hidden), forward then backward
        return self.classifier(torch.cat([h[0], h[1]], dim=1))


def build():
    return MoodGRU()
