"""The corpus each model's units are analysed on: traced once, stacked, projected."""

from __future__ import annotations

from torch import nn

from models.sequence.corpus import heldout_sentences
from models.sequence.registry import spec_of, trace_text
from models.sequence.state_pca import PcaFit, fit_pca
from models.sequence.unit_analysis import CorpusStates, corpus_states

WORD_SENTENCES = 600  # the first held-out sentences: about 12,000 words
CHAR_SENTENCES = 100  # ... cut to CHAR_LENGTH characters: about 9,000 characters
CHAR_LENGTH = 100


def corpus_texts(name: str) -> list[str]:
    sentences = heldout_sentences()
    if spec_of(name).token_noun == "character":
        return [s.text[:CHAR_LENGTH] for s in sentences[:CHAR_SENTENCES]]
    return [s.text for s in sentences[:WORD_SENTENCES]]


def analysis_corpus(name: str, model: nn.Module) -> CorpusStates:
    """Every corpus token's last-layer states and named properties, for this model."""
    spec = spec_of(name)
    texts = corpus_texts(name)
    traces = [trace_text(model, name, text) for text in texts]
    raw = [list(trace.text) for trace in traces] if spec.token_noun == "character" else None
    return corpus_states(traces, spec.properties, raw_tokens=raw)


def corpus_pca(corpus: CorpusStates) -> PcaFit:
    return fit_pca(corpus.states["h"])
