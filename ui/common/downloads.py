"""Download buttons, all alike: the file is made only when the visitor asks for it."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from streamlit.delta_generator import DeltaGenerator


def download(
    place: DeltaGenerator | ModuleType,
    label: str,
    data: Callable[[], str | bytes],
    file_name: str,
    mime: str,
    key: str,
) -> None:
    """A download button in `place` (`st` or a column). `data` runs only on a click, and the
    click does not rerun the page: a page's files cost nothing until one is wanted."""
    place.download_button(
        label, data=data, file_name=file_name, mime=mime, on_click="ignore", key=key
    )
