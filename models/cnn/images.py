"""Turn any uploaded file into a clean RGB photo, or a clear message saying why it cannot."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from models.cnn.decoding import decode_reduced, grey_range, to_working, working_mode

# Bigger than any camera photo, small enough that decoding cannot exhaust the server's memory.
MAX_PIXELS = 64_000_000
# The models look at 227 or 224 pixels; anything larger than this only costs time ...
KEEP_SIDE = 1024
# ... but both first scale the photo's short side to 256, so a panorama keeps at least that
# many rows: capping its long side alone would leave its centre crop blurred.
KEEP_SHORT_SIDE = 256
# ... and no photo is kept with more pixels than this (a 16:1 panorama keeps its 256 rows; a
# 1×64,000,000 strip, which cannot get narrower, gives way along its length).
KEEP_PIXELS = 4096 * 1024


def kept_size(width: int, height: int) -> tuple[int, int]:
    """The size a photo is kept at: longest side KEEP_SIDE, or short side KEEP_SHORT_SIDE if
    that is larger, at most KEEP_PIXELS; never enlarged."""
    factor = min(
        1.0,
        max(KEEP_SIDE / max(width, height), KEEP_SHORT_SIDE / min(width, height)),
        (KEEP_PIXELS / (width * height)) ** 0.5,
    )
    kept_width, kept_height = max(1, round(width * factor)), max(1, round(height * factor))
    if kept_width * kept_height > KEEP_PIXELS:  # a strip a pixel or two thick
        if kept_width > kept_height:
            kept_width = KEEP_PIXELS // kept_height
        else:
            kept_height = KEEP_PIXELS // kept_width
    return kept_width, kept_height


def fit_side(side: int) -> Callable[[int, int], tuple[int, int]]:
    """A size rule: the longest side at most `side`, the shape kept, never enlarged (Pillow's
    thumbnail)."""

    def fit(width: int, height: int) -> tuple[int, int]:
        factor = min(1.0, side / max(width, height))
        return max(1, round(width * factor)), max(1, round(height * factor))

    return fit


class ImageInputError(ValueError):
    """The file cannot be used as a photo; the message is written for the person who sent it."""


@dataclass(frozen=True)
class DecodedPicture:
    image: Image.Image  # "L", "LA", "RGB" or "RGBA", upright, at the size asked for
    original_size: tuple[int, int]  # (width, height) of the file as sent
    original_mode: str  # Pillow mode of the file, e.g. "CMYK", "I;16", "P"
    frames: int  # more than 1 for animated or multi-page files; only the first is used


@dataclass(frozen=True)
class LoadedPhoto:
    image: Image.Image  # RGB, at most kept_size() of the upright original
    original_size: tuple[int, int]  # (width, height) of the file as sent
    original_mode: str  # Pillow mode of the file, e.g. "CMYK", "I;16", "P"
    frames: int  # more than 1 for animated or multi-page files; only the first is used

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) of the original after EXIF rotation: the photo as a person sees it."""
        width, height = self.original_size
        if (self.image.width > self.image.height) != (width > height) and width != height:
            return height, width
        return width, height

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        """A point of `image` in the upright original's pixel coordinates (centre of i is i)."""
        width, height = self.upright_size
        across, down = width / self.image.width, height / self.image.height
        return (x + 0.5) * across - 0.5, (y + 0.5) * down - 0.5


def load_photo(data: bytes) -> LoadedPhoto:
    """Decode bytes of any common image format into an RGB photo (first frame only), at most
    kept_size() of the original."""
    picture = decode_picture(data, kept_size)
    return LoadedPhoto(
        image=to_rgb(picture.image),
        original_size=picture.original_size,
        original_mode=picture.original_mode,
        frames=picture.frames,
    )


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
ROTATIONS = (  # the turns that swap width and height
    Image.Transpose.TRANSPOSE,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
)


def decode_picture(
    data: bytes, fit: Callable[[int, int], tuple[int, int]] = kept_size
) -> DecodedPicture:
    """Decode the first frame of any common image format, upright, at `fit(width, height)` of
    the upright original, in memory bounded by models/cnn/decoding.py; or say why not."""
    if not data:
        raise ImageInputError("The file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageInputError(
                    f"The image is {width:,}×{height:,} pixels; the limit is "
                    f"{MAX_PIXELS // 1_000_000} megapixels. Please send a smaller copy."
                )
            frames = getattr(image, "n_frames", 1)
            image.seek(0)
            mode = image.mode
            stored = fit(width, height)  # the rules are symmetric: turning comes after
            picture, orientation = decode_reduced(image, stored)
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageInputError(too_large(data, error)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageInputError(
            "This file could not be read as an image. Try a JPEG, PNG, WebP, BMP, TIFF or GIF."
        ) from error
    turn = UPRIGHT.get(orientation)
    size = (stored[1], stored[0]) if turn in ROTATIONS else stored
    if turn is not None:
        picture = picture.transpose(turn)
    if picture.size != size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    return DecodedPicture(picture, (width, height), mode, frames)


def too_large(data: bytes, error: Exception) -> str:
    """The app's own message for an image Pillow will not decode: its size and the limit.

    Pillow warns above about 89 megapixels and refuses above twice that, before the app sees
    the size; reading the header again without the warning gives the dimensions, and past the
    hard limit Pillow's message still names the pixel count.
    """
    limit = f"the limit is {MAX_PIXELS // 1_000_000} megapixels. Please send a smaller copy."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
            return f"The image is {width:,}×{height:,} pixels; {limit}"
        except (Image.DecompressionBombError, OSError, ValueError):
            pass
    pixels = re.search(r"\((\d+) pixels\)", str(error))
    size = f" ({int(pixels.group(1)) / 1e6:,.0f} megapixels)" if pixels else ""
    return f"The image is too large to decode safely{size}; {limit}"


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB copy of a picture in any Pillow mode: 16-bit and float pictures scaled into grey as
    the decoder scales them (models/cnn/decoding.py), transparency composited onto white."""
    mode = working_mode(image)
    if mode == "L" and image.mode not in ("L", "1"):
        image = to_working(image, "L", grey_range(image))
    elif image.mode != mode:
        image = image.convert(mode)
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


@dataclass(frozen=True)
class CropGeometry:
    """How a photo of `size` became the model's (crop, crop) input: scale, then cut."""

    size: tuple[int, int]  # (width, height) after scaling
    left: int
    top: int
    scale: float  # scaled pixels per photo pixel

    def to_photo(self, x: float, y: float) -> tuple[float, float]:
        """A point of the model input in the photo's pixel coordinates (pixel i's centre is i)."""
        return (
            (x + 0.5 + self.left) / self.scale - 0.5,
            (y + 0.5 + self.top) / self.scale - 0.5,
        )

    def photo_box(self, crop: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the photo region that becomes the model input."""
        return (
            self.left / self.scale,
            self.top / self.scale,
            (self.left + crop) / self.scale,
            (self.top + crop) / self.scale,
        )


def crop_geometry(width: int, height: int, short_side: int, crop: int) -> CropGeometry:
    scale = short_side / min(width, height)
    size = (max(crop, round(width * scale)), max(crop, round(height * scale)))
    return CropGeometry(size, (size[0] - crop) // 2, (size[1] - crop) // 2, size[0] / width)


def resize_center_crop(
    image: Image.Image,
    short_side: int,
    crop: int,
    resample: Image.Resampling = Image.Resampling.BILINEAR,
) -> np.ndarray:
    """Upright RGB image, short side scaled to `short_side`, centre square (crop, crop, 3)."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    geometry = crop_geometry(image.width, image.height, short_side, crop)
    # Resample only the region that is kept: the same pixels as scaling the whole photo and
    # cutting the centre, without a huge intermediate for very long, thin images.
    left, top, right, bottom = geometry.photo_box(crop)
    # The scale is the rounded scaled width's: at a small crop (28 pixels) the box can pass
    # the photo's edge by a fraction of a pixel, which Pillow refuses.
    box = (left, top, min(right, image.width), min(bottom, image.height))
    resized = image.resize((crop, crop), resample, box=box)
    return np.asarray(resized, dtype=np.uint8)
