"""The corpus each model's units are analysed on: traced once, stacked, projected."""

from __future__ import annotations

from torch import nn

from models.sequence.corpus import heldout_sentences
from models.sequence.registry import spec_of, trace_text
from models.sequence.state_pca import PcaFit, fit_pca
from models.sequence.unit_analysis import CorpusStates, corpus_states


def corpus_texts(name: str) -> list[str]:
    """The first held-out sentences, as many (and as long) as the model's kind of token asks."""
    kind = spec_of(name).tokens
    sentences = heldout_sentences()[: kind.corpus_texts]
    return [s.text[: kind.corpus_cut] for s in sentences]


def analysis_corpus(name: str, model: nn.Module) -> CorpusStates:
    """Every corpus token's last-layer states and named properties, for this model."""
    spec = spec_of(name)
    traces = [trace_text(model, name, text) for text in corpus_texts(name)]
    raw = [list(trace.text) for trace in traces] if spec.tokens.properties_read_text else None
    return corpus_states(traces, spec.properties, raw_tokens=raw)


def corpus_pca(corpus: CorpusStates) -> PcaFit:
    return fit_pca(corpus.states["h"])
