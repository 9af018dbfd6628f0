"""Word-level sentiment LSTM, trained on VADER's rated sentences (scripts/train_sentiment.py).

Embedding(V, 64) -> LSTM(64, 128) -> tanh(Linear(128, 1)) at every position: a running
sentiment score in [-1, 1] after each token. Token ids: 0 padding, 1 unknown word.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from models.checkpoints import load_checkpoint, save_checkpoint
from models.text import load_vocab

CHECKPOINT_NAME = "sentiment_lstm.pt"
VOCAB_NAME = "sentiment_vocab.json"
PAD_ID = 0
UNK_ID = 1


@dataclass(frozen=True)
class SentimentLSTMConfig:
    vocab_size: int
    embed_dim: int = 64
    hidden_size: int = 128


class SentimentLSTM(nn.Module):
    """Embedding -> LSTM -> per-token tanh(Linear) sentiment head."""

    def __init__(self, config: SentimentLSTMConfig, vocab: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.config = config
        self._vocab = dict(vocab or {})
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=PAD_ID)
        self.lstm = nn.LSTM(config.embed_dim, config.hidden_size, batch_first=True)
        self.head = nn.Linear(config.hidden_size, 1)

    @property
    def vocab(self) -> Mapping[str, int]:
        """{token: id}, read-only: a loaded model is shared between sessions."""
        return MappingProxyType(self._vocab)

    @property
    def lstms(self) -> tuple[nn.LSTM]:
        return (self.lstm,)

    def score(self, h: torch.Tensor) -> torch.Tensor:
        """Hidden states (..., H) -> sentiment in [-1, 1] (...)."""
        return torch.tanh(self.head(h).squeeze(-1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> running sentiment (B, T)."""
        h, _ = self.lstm(self.embedding(ids))  # (B, T, H)
        return self.score(h)

    def to_checkpoint(self, path: Any) -> str:
        """Save config and weights (sha256 recorded in SHA256SUMS); returns the digest."""
        return save_checkpoint(path, asdict(self.config), self.state_dict())

    @classmethod
    def from_checkpoint(
        cls, name: str = CHECKPOINT_NAME, vocab_name: str = VOCAB_NAME
    ) -> SentimentLSTM:
        """Rebuild the model from its verified checkpoint and vocabulary."""
        checkpoint = load_checkpoint(name)
        model = cls(SentimentLSTMConfig(**checkpoint["config"]), load_vocab(vocab_name))
        model.load_state_dict(checkpoint["state_dict"])
        return model
