"""CNN page: what a pretrained ImageNet network sees in a photo, stage by stage."""

import streamlit as st

from ui.cache.cnn import cnn_trace
from ui.cnn.look_deeper import (
    show_class_evidence,
    show_compare_and_export,
    show_unit_field,
    show_units_and_statistics,
)
from ui.cnn.views import (
    NO_SECTION,
    choose_model,
    choose_photo,
    cnn_address,
    describe_photo,
    layer_explorer,
    show_overview,
    show_prediction,
)
from ui.common.pages import CNN
from ui.common.sections import show_one_section
from ui.common.state import (
    LINK_NOTE,
    loaded_photo,
    read_address,
    show_address_notices,
    write_address,
)
from ui.common.theme import current_theme

CNN_PRIMER = (
    "- **Filters and feature maps.** A convolution slides a small filter (3×3 pixels, say) "
    "over every place of its input and writes one number per place: a **feature map**, bright "
    "where the filter's pattern shows. A layer runs many filters side by side; each one's map "
    "is a **channel**.\n"
    "- **Stages.** The app shows the output of each **stage**, a block of such layers. Some "
    "stages step two pixels at a time (stride 2), so their maps are half as wide: maps shrink "
    "while the number of channels grows.\n"
    "- **Receptive field.** A unit of a deep stage is computed from units of the stage "
    "before, which were computed from the one before that: it ends up depending on a patch "
    "of the photo, its **receptive field**, which grows stage after stage.\n"
    "- **From maps to a class.** The last stage gives each of ImageNet's 1000 classes a "
    "score (a **logit**); **softmax** turns the scores into probabilities that add up to "
    "100%.\n\n"
    "**Why all at once.** Every place of a map is computed with the same filter and does not "
    "wait for its neighbours, so a whole stage can run in parallel. A recurrent network has "
    "to wait for the previous word (see the LSTM page)."
)


def main() -> None:
    """The model choice, the photo and everything about it, in local names.

    A page's module-level names live as long as its functions, which refer back to them: a
    cycle that only a full garbage collection frees, and this server runs those rarely. A
    trace kept there (10 MB) stayed in memory long after its session had closed.
    """
    CNN.begin()
    st.markdown(
        "A convolutional network looks at **every part of the photo at once**. Each layer "
        "slides small filters over the previous layer's output, so early layers respond to "
        "edges and colours, and later layers respond to combinations of those: textures, "
        "parts, objects. Pick a photo and follow it from pixels to a prediction."
    )
    with st.expander("How a CNN turns pixels into a class"):
        st.markdown(CNN_PRIMER)
    address = cnn_address()
    read_address(CNN.address_id, address)
    show_address_notices()
    model_name = choose_model()

    chosen = choose_photo()
    if chosen is None:  # (replacing an upload reruns once without a file: widgets below unset)
        st.stop()
    write_address(CNN.address_id, address)
    if not chosen.travels_in_links:
        st.caption(LINK_NOTE)
    photo, source_key = loaded_photo(chosen), chosen.source_key
    theme = current_theme()
    trace = cnn_trace(model_name, source_key, photo.image)
    show_prediction(trace, source_key, describe_photo(photo, chosen.description), theme)
    show_overview(trace, theme)
    layer_explorer(trace)
    # One section at a time, and none until the visitor (or the address, or a click on a bar of
    # the top five) asks: the unit's gradient and the statistics cost about as much CPU as the
    # rest of a new photo's page together, and most visitors of a photo open none of them.
    show_one_section(
        {
            "class": ("Why this class?", lambda: show_class_evidence(trace, photo, source_key)),
            "unit": ("What one unit sees", lambda: show_unit_field(trace, photo, source_key)),
            "statistics": ("Filters and statistics", lambda: show_units_and_statistics(trace)),
        },
        key="cnn_deeper",
        none=(NO_SECTION, "Nothing more"),
    )
    show_compare_and_export(trace, photo, source_key)
    write_address(CNN.address_id, address)


main()
