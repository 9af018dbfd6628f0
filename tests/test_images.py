"""Any file a person might upload becomes an RGB photo or a clear ImageInputError."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from models.images import KEEP_SIDE, ImageInputError, load_photo, to_rgb


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"])
def test_common_formats_decode_to_rgb(fmt: str) -> None:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    photo = load_photo(encode(image, fmt))
    assert photo.image.mode == "RGB"
    assert photo.image.size == (40, 30)
    red, green, blue = photo.image.getpixel((20, 15))
    assert red > 150 and green < 80 and blue < 80


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (20, 20), (0, 255, 255, 0))  # pure red in CMYK
    photo = load_photo(encode(cmyk, "JPEG"))
    assert photo.original_mode == "CMYK"
    red, green, blue = photo.image.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_grayscale_keeps_its_brightness() -> None:
    values = np.full((16, 16), 32768, dtype=np.uint16)  # half of the 16-bit range
    photo = load_photo(encode(Image.fromarray(values), "PNG"))
    assert photo.original_mode.startswith("I")
    assert 120 <= photo.image.getpixel((0, 0))[0] <= 135


def test_transparency_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    rgba.putpixel((5, 5), (0, 0, 255, 255))
    photo = load_photo(encode(rgba, "PNG"))
    assert photo.image.getpixel((0, 0)) == (255, 255, 255)
    assert photo.image.getpixel((5, 5)) == (0, 0, 255)


def test_palette_with_transparency() -> None:
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    photo = load_photo(encode(palette, "PNG", transparency=0))
    assert photo.image.getpixel((3, 3)) == (0, 255, 0)


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [
        Image.new("RGB", (12, 12), color) for color in [(255, 0, 0), (0, 0, 255), (0, 255, 0)]
    ]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    photo = load_photo(data)
    assert photo.frames == 3
    red, green, blue = photo.image.getpixel((6, 6))
    assert red > 200 and green < 50 and blue < 50


def test_exif_rotation_is_applied() -> None:
    image = Image.new("RGB", (40, 20), (10, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    photo = load_photo(encode(image, "JPEG", exif=exif.tobytes()))
    assert photo.image.size == (20, 40)


def test_large_photo_is_scaled_down_but_keeps_aspect() -> None:
    photo = load_photo(encode(Image.new("RGB", (4000, 2000), (1, 2, 3)), "PNG"))
    assert photo.original_size == (4000, 2000)
    assert photo.image.size == (KEEP_SIDE, KEEP_SIDE // 2)


def test_too_many_pixels_is_refused_with_a_message() -> None:
    huge = encode(Image.new("1", (9000, 9000)), "PNG")  # 81 megapixels, tiny file
    with pytest.raises(ImageInputError, match="megapixels"):
        load_photo(huge)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, b"GIF89a" + b"\xff" * 20],
)
def test_garbage_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(ImageInputError):
        load_photo(data)


def test_truncated_jpeg_is_refused() -> None:
    data = encode(Image.new("RGB", (200, 200), (90, 90, 90)), "JPEG")
    with pytest.raises(ImageInputError, match="could not be read"):
        load_photo(data[: len(data) // 2])


def test_float_image_is_stretched_to_full_range() -> None:
    values = np.array([[0.0, 0.5], [1.0, 2.0]], dtype=np.float32)
    rgb = np.asarray(to_rgb(Image.fromarray(values, mode="F")))
    assert rgb[0, 0, 0] == 0 and rgb[1, 1, 0] == 255
