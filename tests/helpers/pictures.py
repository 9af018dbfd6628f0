"""Pictures read back as pixels: PNG data URIs, and what `st.image` sends in AppTest.

`data_uri_pixels` decodes a picture a figure carries inline. In AppTest, `pictures` gives the
captions and urls of the pictures in a keyed container, and `picture` their pixels when recorded:
AppTest keeps media files in a storage that is dropped after each run, so `recorded_media`
keeps a copy of every file as it is stored, by file id.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from unittest.mock import patch

import numpy as np
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest


def data_uri_pixels(uri: str) -> np.ndarray:
    """The pixels of a base64 data URI ("data:image/png;base64,..."), in the picture's own mode."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def _container(node: object, key: str) -> object | None:
    for child in getattr(node, "children", {}).values():
        if str(getattr(getattr(child, "proto", None), "id", "")).endswith(f"-{key}"):
            return child
        found = _container(child, key)
        if found is not None:
            return found
    return None


def pictures(at: AppTest, key: str) -> list[tuple[str, str]]:
    """(caption, url) of every picture inside the container keyed `key`; [] if it is absent."""
    container = _container(at._tree, key)
    if container is None:
        return []
    return [
        (image.caption, image.url)
        for child in container.children.values()
        if getattr(child, "type", None) == "image"
        for image in child.proto.imgs
    ]


def captions(at: AppTest, key: str) -> list[str]:
    """The captions of every picture inside the container keyed `key`."""
    return [caption for caption, _ in pictures(at, key)]


@contextmanager
def recorded_media() -> Iterator[dict[str, bytes]]:
    """Every media file stored while this is open, by file id."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: object,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = self._files_by_id[file_id].content
        return file_id

    with patch.object(MemoryMediaFileStorage, "load_and_get_id", keep):
        yield stored


def picture(at: AppTest, key: str, media: dict[str, bytes], index: int = 0) -> np.ndarray:
    """The RGB pixels of the `index`-th picture in the container keyed `key`."""
    url = pictures(at, key)[index][1]
    data = media[PurePosixPath(url).stem]
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
