"""Every term a learner meets in the app, explained in plain words: the Home page lists them
all, and the views show one beside the control or number it explains (`explain`)."""

from __future__ import annotations

import streamlit as st

TERMS: dict[str, str] = {
    "CNN (convolutional network)": "A network built from filters that slide over a grid (a "
    "photo's pixels, a digit's rows): every place is computed the same way and at the same "
    "time, and each layer sees a wider patch than the one before.",
    "RNN (recurrent network)": "A network that reads a sequence one item at a time and carries "
    "a list of numbers, its hidden state, from each item to the next: its only memory of what "
    "came before. A plain (vanilla) RNN rewrites that list completely at every step.",
    "LSTM": "Long short-term memory: an RNN with a second memory, the cell state, and gates "
    "that decide at every step what to forget, what to write and what to show. It keeps "
    "things over longer stretches than a plain RNN.",
    "GRU": "Gated recurrent unit: a lighter LSTM with one memory (the hidden state) and two "
    "gates, one deciding how much of it to keep and one how much of it to use.",
    "token": "One unit of what a sequence model reads: a word for the word-level readers, one "
    "character for the character LSTM, one row of pixels for the digit readers.",
    "ImageNet": "A collection of over a million labelled photos in 1000 classes (breeds of dog, "
    "tools, foods, vehicles...). The photo CNNs here were trained on it by their authors.",
    "epoch": "One pass of training over every example of the training set.",
    "held-out": "Examples kept out of training and used only to measure the model: how it does "
    "on them is how it would do on new ones.",
    "feature map": "A grid of numbers a convolutional layer computes from the grid before it: "
    "one number per place, saying how strongly a learned pattern (an edge, a texture, an eye) "
    "shows there. Bright means strong.",
    "channel": "One of a layer's feature maps. A layer with 128 channels runs 128 different "
    "filters over the same input and keeps each filter's map.",
    "stage": "A block of layers that runs as one step in the network (a convolution, or a "
    "SqueezeNet Fire module). The app shows the output of every stage.",
    "logit (score)": "The raw number a network gives each class before anything is turned "
    "into a probability. Higher means more likely; only the differences between classes "
    "matter.",
    "softmax probability": "The logits turned into probabilities that add up to 100%: each "
    "class gets e^logit divided by the sum over all classes.",
    "class activation map": "For one class, the network's score at every place of its last "
    "stage. Their average is exactly the class's logit, so the map shows where that score "
    "came from.",
    "Grad-CAM": "An estimate of where a class's evidence is, at any stage: each channel is "
    "weighted by how much raising it would raise the class's score (its gradient), and the "
    "positive part of the sum is kept.",
    "occlusion": "Cover part of the input with a grey patch and see how much the answer drops; "
    "repeat everywhere. Slow, but it needs nothing from inside the model.",
    "receptive field": "The patch of the photo that one unit of a feature map can see. Each "
    "stage stacks filters on the last, so deeper units see more. It can be larger than the "
    "photo: the edges of a deep unit's window fall on the padding around the image.",
    "hidden state (h)": "The list of numbers a recurrent network carries from one token to the "
    "next. It is all the network remembers of what it has read, and what its output reads.",
    "cell state (c)": "An LSTM's second list of numbers, its long-term memory. Each step keeps "
    "part of it (the forget gate) and adds to it (the input gate) instead of rewriting it.",
    "gate": "A number between 0 (closed) and 1 (open) per unit, recomputed at every token, "
    "that decides how much of something passes: what to forget, what to write, what to show.",
    "gradient": "How much the output would change if one input (or weight) were nudged. "
    "Training follows gradients; here they also show which words the verdict depends on.",
    "vanishing gradient": "In a plain RNN the gradient passes through the same weights once "
    "per word on its way back, and often shrinks each time: after many words it is close to "
    "zero, so early words can hardly be learned from.",
    "integrated gradients": "A way to split a score among the words: add up the gradients "
    "along a path from an empty sentence to yours. The parts sum to the difference between "
    "the two scores.",
    "leave one word out": "Another way to credit words: remove one word and see how much the "
    "final score changes. It answers what that word adds given all the others.",
    "principal components": "The directions in which a cloud of points (here, hidden states) "
    "varies most. Two of them make a flat picture of a 128-number space: a shadow of it.",
    "correlation": "A number from −1 to +1 saying how closely two things rise and fall "
    "together: +1 in step, −1 in opposite steps, 0 unrelated (Pearson's r).",
    "multiply-add": "One multiplication and one addition, the basic step of a neural network. "
    "Counting them measures how much arithmetic a model needs, whatever the hardware.",
    "growth exponent": "How time grows with the input's size: 1 means twice the size takes "
    "twice as long, 2 means four times as long. Fitted as the slope of log(time) against "
    "log(size).",
    "time series": "Numbers measured one after another at a steady pace (every year, week or "
    "month). Its order matters: the past is read to forecast what comes next.",
    "forecast one step ahead": "A guess of the next value from the true values before it. "
    "Each held-out value gets its own forecast from the real past, so errors do not pile up.",
    "fed back (multi-step)": "A forecast of many steps ahead: each step's forecast is taken as "
    "if it were true and becomes part of the past for the next step, so errors can grow.",
    "MAE (mean absolute error)": "The average distance between the forecasts and the real "
    "values, in the series' own units. Lower is better.",
    "naive forecast": "Copy the last value: tomorrow is like today. Hard to beat for a series "
    "that moves slowly; every forecaster here is measured against it (MAE ÷ naive MAE: below "
    "1 beats it).",
    "seasonal naive": "Copy the value one season ago (a year of weeks, an 11-year sunspot cycle).",
    "linear autoregression (AR)": "A forecast that is a weighted sum of the last few values plus "
    "a constant, its weights fitted by least squares on the training part. No network at all.",
    "season": "The length of a pattern that repeats: 52 weeks for co2, 12 months for El Niño, "
    "about 11 years for sunspots.",
    "dilation": "A gap between the steps a convolution's filter reads: dilation 4 reads every "
    "fourth step. Stacking dilations 1, 2, 4, 8, 16 lets a few small filters see far back.",
    "receptive field in time": "How many past steps a CNN's forecast can read at all: "
    "1 + (kernel − 1) × the sum of its dilations. Anything older has no effect on it.",
}
GLOSSARY_LINK = "[glossary](/#glossary)"


def explain(term: str) -> str:
    """The explanation of a term, for a widget's or a heading's help."""
    return f"**{term}**: {TERMS[term]}"


def glossary_help(*terms: str) -> str:
    """Several terms' explanations in one help text, with a pointer to the whole glossary."""
    return "\n\n".join(explain(term) for term in terms) + "\n\nAll terms: the Home page's glossary."


def show_glossary() -> None:
    """Every term and its explanation, in two columns under one heading a link can point at."""
    st.header("Glossary", anchor="glossary")
    st.caption("Every term the pages use; each is also explained beside the view that uses it.")
    columns = st.columns(2)
    for index, (term, meaning) in enumerate(TERMS.items()):
        columns[index % 2].markdown(f"**{term}**: {meaning}")
