"""Any file a person might upload becomes an RGB photo or a clear ImageInputError."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from models.cnn.images import (
    KEEP_PIXELS,
    KEEP_SIDE,
    ImageInputError,
    LoadedPhoto,
    decode_picture,
    kept_size,
    load_photo,
    to_rgb,
)
from tests.helpers.bad_inputs import (
    ImageCase,
    big_digit_png,
    encode,
    image_case,
    image_cases,
    png_of_zeros,
)


@pytest.mark.parametrize("case", image_cases(), ids=lambda case: case.name)
def test_every_corpus_file_loads_or_is_refused_with_a_message(case: ImageCase) -> None:
    if case.refused:
        with pytest.raises(ImageInputError) as refusal:
            load_photo(case.data)
        assert all(word in str(refusal.value) for word in case.refused), refusal.value
        return
    photo = load_photo(case.data)
    assert (photo.upright_size, photo.original_mode) == (case.size, case.mode)
    assert photo.image.mode == "RGB" and photo.image.size == kept_size(*case.size)


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
    # ... once: the result carries no orientation for the models' own exif_transpose to redo
    assert photo.image.getexif().get(0x0112) in (None, 1)
    assert ImageOps.exif_transpose(photo.image).size == (20, 40)


def test_large_photo_is_scaled_down_but_keeps_aspect() -> None:
    photo = load_photo(encode(Image.new("RGB", (4000, 2000), (1, 2, 3)), "PNG"))
    assert photo.original_size == (4000, 2000)
    assert photo.image.size == (KEEP_SIDE, KEEP_SIDE // 2)


def test_a_wide_panorama_keeps_enough_rows_for_the_models_crop() -> None:
    photo = load_photo(encode(Image.new("RGB", (12_000, 1_000), (90, 120, 150)), "PNG"))
    assert photo.image.size == (3072, 256)  # not 1024×85: the crop would be blurred
    assert kept_size(4000, 3000) == (1024, 768) and kept_size(300, 200) == (300, 200)


def test_float_image_is_stretched_to_full_range() -> None:
    values = np.array([[0.0, 0.5], [1.0, 2.0]], dtype=np.float32)
    rgb = np.asarray(to_rgb(Image.fromarray(values, mode="F")))
    assert rgb[0, 0, 0] == 0 and rgb[1, 1, 0] == 255


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        # Above Pillow's warning (about 89 megapixels): the app's message, with the dimensions.
        (12_000, 9_000, "The image is 12,000×9,000 pixels; the limit is 64 megapixels"),
        # Above Pillow's hard limit: the dimensions are not read, the pixel count is.
        (30_000, 30_000, "too large to decode safely (900 megapixels); the limit is 64"),
    ],
)
def test_a_huge_image_gets_the_apps_message_with_its_size(
    width: int, height: int, expected: str
) -> None:
    with pytest.raises(ImageInputError, match=r"^The image") as raised:
        load_photo(png_of_zeros(width, height))
    assert expected in str(raised.value)


@pytest.mark.parametrize(("side", "mode"), [(7990, "L"), (4500, "RGB")])
def test_a_large_png_is_decoded_to_the_kept_size_in_its_own_mode(side: int, mode: str) -> None:
    data = image_case("64mp.png").data if side == 7990 else big_digit_png(side, mode)
    picture = decode_picture(data)
    assert (picture.original_size, picture.original_mode) == ((side, side), mode)
    assert (picture.image.size, picture.image.mode) == ((1024, 1024), mode)
    grey = np.asarray(picture.image.convert("L"))
    # the 7's bar, 12/64 of the way down, survives the reduction; the paper stays white
    assert grey[1024 * 12 // 64, 512] < 40 and grey[5, 5] > 250


def test_a_float_tiff_is_stretched_into_grey_levels_without_a_float64_copy() -> None:
    values = np.linspace(-2.0, 6.0, 64 * 48, dtype=np.float32).reshape(48, 64)
    picture = decode_picture(encode(Image.fromarray(values, mode="F"), "TIFF"))
    assert picture.original_mode == "F" and picture.image.mode == "L"
    grey = np.asarray(picture.image)
    assert grey[0, 0] == 0 and grey[-1, -1] == 255 and 120 <= grey[24, 32] <= 135
    photo = load_photo(encode(Image.fromarray(values, mode="F"), "TIFF"))
    assert photo.image.mode == "RGB" and photo.image.getpixel((63, 47)) == (255, 255, 255)


def test_a_large_sixteen_bit_picture_is_reduced_on_the_same_scale_as_a_small_one() -> None:
    values = np.full((3000, 3000), 16384, dtype=np.uint16)  # a quarter of the 16-bit range
    photo = load_photo(encode(Image.fromarray(values), "PNG"))
    assert photo.image.size == (1024, 1024)
    assert 60 <= photo.image.getpixel((500, 500))[0] <= 68


def test_a_strip_a_pixel_thick_is_kept_at_most_keep_pixels_long() -> None:
    width, height = kept_size(1, 64_000_000)
    assert width == 1 and height == KEEP_PIXELS
    width, height = kept_size(3, 9_000_000)
    assert width * height <= KEEP_PIXELS and height == round(9e6 * (KEEP_PIXELS / 27e6) ** 0.5)
    assert kept_size(16 * 1024, 256) == (16 * 1024, 256)  # a 64:1 panorama keeps its rows


def test_points_map_back_along_each_axis_of_a_squeezed_strip() -> None:
    photo = LoadedPhoto(Image.new("RGB", (1, 100)), (1, 400), "L", 1)
    assert photo.to_original(0, 99) == pytest.approx((0.0, 397.5))
