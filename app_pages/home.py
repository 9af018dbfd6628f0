"""Home page: what the app shows and where to start."""

import streamlit as st

from ui.common.glossary import show_glossary
from ui.common.own_models import show_own_models
from ui.common.pages import CNN, COMPARE, DIGITS, HOME, LSTM, SERIES, TOUR


def main() -> None:
    HOME.begin()
    st.markdown(
        "Real, trained networks, opened up so you can watch them work on your own input. "
        "Nothing here is a toy or a precomputed animation: every picture and curve is computed "
        "from your photo or sentence by the actual model, on this server."
    )
    st.markdown(
        "**The big idea.** A convolutional network (CNN) looks at a whole picture at once, "
        "with small filters that find the same pattern anywhere; a recurrent network (RNN) reads "
        "a sequence one step at a time and carries a memory from step to step. Here you can "
        "watch both happen, and measure what each costs and buys."
    )
    if st.button(
        "Start the guided tour: eleven steps, guess first, then see", type="primary", icon="🧭"
    ):
        st.switch_page(TOUR.script)
    left, right = st.columns(2)
    with left:
        st.subheader("🧱 Convolutional network: space")
        st.markdown(
            "Upload a photo and see what an ImageNet-trained CNN (SqueezeNet 1.1 or "
            "EfficientNet-Lite0) computes at every stage: the whole image is processed at once, "
            "maps shrink while the number of feature channels grows, and the last layer names "
            "one of 1000 classes."
        )
        st.page_link(CNN.script, label="Open the CNN feature maps", icon="➡️")
    with right:
        st.subheader("🔁 Recurrent network: time")
        st.markdown(
            "Type a sentence and watch an LSTM read it one token after another. Its hidden state "
            "carries memory forward; its gates decide what to keep, forget and write; its "
            "running sentiment (or next-character guess) changes as each token arrives."
        )
        st.page_link(LSTM.script, label="Open the LSTM hidden states", icon="➡️")
    st.subheader("⚖️ Side by side: what the difference costs and buys")
    st.markdown(
        "The same sentence through an LSTM, a GRU, a plain RNN and a 1D CNN trained the same "
        "way; how far back each can still see a *not*; vanishing gradients; time against input "
        "size, measured on this server; and the usual CNN-vs-RNN claims, each checked against "
        "the numbers."
    )
    st.page_link(COMPARE.script, label="Open CNN vs RNN, measured", icon="➡️")
    st.subheader("✍️ One picture, two readers")
    st.markdown(
        "Draw a digit: a small CNN sees the whole grid at once while an LSTM, a GRU and a plain "
        "RNN read it row by row, like a sentence. How many rows until each one knows, what a "
        "shifted or scrambled digit does to each, and whose gradient fades over 28 rows."
    )
    st.page_link(DIGITS.script, label="Open the digits", icon="➡️")
    st.subheader("📈 Forecast the next value")
    st.markdown(
        "Sunspots, weekly CO₂ and El Niño sea temperatures: a dilated CNN, an LSTM, a GRU and "
        "a plain RNN forecast each one, against copying the last value and a straight "
        "weighted sum. Guess which wins; see how far back each looks and what it remembers; "
        "or bring your own series and train all four on it, live."
    )
    st.page_link(SERIES.script, label="Open the time series", icon="➡️")
    st.divider()
    st.markdown(
        "**Things to try.** Compare the first and last stages of the CNN on the cat photo; switch "
        "to EfficientNet and see that it has more, narrower stages. In the LSTM, type a sentence "
        "with *not* or *but* and press Play to see the sentiment turn as those words arrive."
    )
    show_own_models()
    show_glossary()
    st.caption(
        "Models and photos ship with the app; nothing is downloaded while you use it. "
        "Sources, licences and credits are in the project README and assets/CREDITS.md."
    )


main()
