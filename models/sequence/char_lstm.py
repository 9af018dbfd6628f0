"""textgenrnn's pretrained character LSTM (MIT), ported to PyTorch.

Architecture (textgenrnn 2.0.0 `model.py`): a window of 40 character ids, pre-padded with
index 0, -> Embedding(465, 100) -> LSTM(128) -> LSTM(128) -> attention-weighted average over
time of concat[embedding, h1, h2] (356 features, one attention weight per feature, softmax
over all 40 positions, padding included, as textgenrnn does no masking) -> Linear(356, 465)
-> softmax: the next character. Generation starts with the meta token `<s>` (index 464), which
also marks the end of a text. The weights come from `scripts/convert_textgenrnn.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from models.checkpoints import load_checkpoint, save_checkpoint
from models.sequence.text import load_vocab

CHECKPOINT_NAME = "char_lstm.pt"
VOCAB_NAME = "char_vocab.json"


@dataclass(frozen=True)
class CharLSTMConfig:
    vocab_size: int = 465  # 464 characters and meta tokens + index 0 for padding/unknown
    embed_dim: int = 100
    hidden_size: int = 128
    window: int = 40  # characters the model sees per prediction
    pad_id: int = 0
    start_id: int = 464  # textgenrnn's meta token `<s>`

    @property
    def concat_dim(self) -> int:
        return self.embed_dim + 2 * self.hidden_size


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> LSTM -> attention over [emb, h1, h2] -> next-character logits."""

    def __init__(self, config: CharLSTMConfig, vocab: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.config = config
        self._vocab = dict(vocab or {})
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim)
        # Two separate modules (not num_layers=2) so each layer's weights are addressable.
        self.lstm1 = nn.LSTM(config.embed_dim, config.hidden_size, batch_first=True)
        self.lstm2 = nn.LSTM(config.hidden_size, config.hidden_size, batch_first=True)
        self.attention = nn.Linear(config.concat_dim, 1, bias=False)
        self.output = nn.Linear(config.concat_dim, config.vocab_size)

    @property
    def vocab(self) -> Mapping[str, int]:
        """{token: id}, read-only: a loaded model is shared between sessions."""
        return MappingProxyType(self._vocab)

    @property
    def lstms(self) -> tuple[nn.LSTM, nn.LSTM]:
        return (self.lstm1, self.lstm2)

    def facts(self) -> dict[str, int]:
        """Sizes that the page's text quotes."""
        return {
            "units": self.config.hidden_size,
            "layers": len(self.lstms),
            "window": self.config.window,
        }

    def readout(self, emb: torch.Tensor, h1: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
        """Next-character logits from the per-position features of windows.

        emb (B, W, E), h1 and h2 (B, W, H) -> logits (B, V).
        """
        features = torch.cat([emb, h1, h2], dim=-1)  # (B, W, E + 2H)
        weights = torch.softmax(self.attention(features).squeeze(-1), dim=-1)  # (B, W)
        pooled = (features * weights.unsqueeze(-1)).sum(dim=1)  # (B, E + 2H)
        return self.output(pooled)  # (B, V)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, W) pre-padded windows -> next-character logits (B, V)."""
        emb = self.embedding(ids)  # (B, W, E)
        h1, _ = self.lstm1(emb)  # (B, W, H)
        h2, _ = self.lstm2(h1)  # (B, W, H)
        return self.readout(emb, h1, h2)

    def to_checkpoint(self, path: Any) -> str:
        """Save config and weights (sha256 recorded in SHA256SUMS); returns the digest."""
        return save_checkpoint(path, asdict(self.config), self.state_dict())

    @classmethod
    def from_checkpoint(cls, name: str = CHECKPOINT_NAME, vocab_name: str = VOCAB_NAME) -> CharLSTM:
        """Rebuild the model from its verified checkpoint and vocabulary."""
        checkpoint = load_checkpoint(name)
        model = cls(CharLSTMConfig(**checkpoint["config"]), load_vocab(vocab_name))
        model.load_state_dict(checkpoint["state_dict"])
        return model
