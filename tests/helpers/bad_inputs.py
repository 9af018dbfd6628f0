"""The bad-input corpus: every odd file and text a person might send, and what should happen.

Images: `image_cases()` builds each file in memory (name, bytes, mime) with its expectation:
refused with a message containing some words, or analysed with the original size and mode
the page reports (and, for copies of a sample photo, the top guess). `digit_cases()` gives the
digits page the same odd files (thin strips, 16-bit and float TIFFs, 64 megapixels) and a
photo, each with what that page must do. `write_images(folder)` writes the image cases for
the command line and the browser. Texts: `TEXT_CASES`, each marked empty
(a message instead of a result) or not, and whether a word reader must cut it short.

`python -m tests.helpers.bad_inputs DIR` writes every image case into DIR (texts as
DIR/texts.txt), for trying them by hand in the running app.
"""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from bench.harness.heavy_pictures import big_digit_png, encode
from bench.harness.paths import SAMPLES

CAT_CLASSES = frozenset({"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"})
# The words of models.cnn.images' three refusals.
UNREADABLE = ("could not be read as an image",)
EMPTY = ("empty",)
TOO_LARGE = ("too large to decode safely",)
MEGAPIXELS = ("megapixels",)


def png_of_zeros(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of any size, small on disk: a real decompression bomb.

    30000×30000 pixels take about 110 kB; Pillow would need 900 MB to decode them. The rows are
    all the same, so one block of them is compressed once and its deflate output repeated (a
    full flush makes each copy independent of the data before it); the checksum covers them all.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    per_block = max(1, 1_000_000 // len(row))
    blocks, rest = divmod(height, per_block)
    block = row * per_block
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: header and checksum below
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(row * rest) + packer.flush()
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    stream = b"\x78\xda" + repeated * blocks + tail + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class ImageCase:
    name: str  # the file name as sent, extension included
    data: bytes
    mime: str
    refused: tuple[str, ...] = ()  # words the message must contain when the file is refused
    size: tuple[int, int] | None = None  # (width, height) the page reports when analysed
    mode: str | None = None  # the Pillow mode the page reports when analysed
    notes: tuple[str, ...] = ()  # more words of the photo's caption ("first of 3 frames")
    top: frozenset[str] | None = None  # the top guess must be one of these
    sure: float = 0.0  # ... with at least this probability

    @property
    def analysed(self) -> bool:
        return not self.refused

    def __repr__(self) -> str:  # short ids in pytest's output, not megabytes of bytes
        return f"ImageCase({self.name})"


def _sample(name: str) -> Image.Image:
    return Image.open(SAMPLES / name).convert("RGB")


def _exif_rotated_coffee() -> bytes:
    """coffee.jpg stored on its side with EXIF orientation 6 ("turn 90° clockwise to view")."""
    stored = _sample("coffee.jpg").transpose(Image.Transpose.ROTATE_90)  # 400×600, sideways
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=92, exif=exif.tobytes())


def _animated_gif() -> bytes:
    """Three frames: coffee, then the cat and the astronaut; only the first is analysed."""
    frames = [
        _sample(name).resize((600, 400)).quantize(method=Image.Quantize.FASTOCTREE)
        for name in ("coffee.jpg", "chelsea.jpg", "astronaut.jpg")
    ]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)


def _palette_with_transparency() -> bytes:
    palette = Image.new("P", (96, 64), 1)
    palette.putpalette([0, 0, 0, 30, 160, 60] + [0] * 762)
    for x in range(20, 40):
        for y in range(10, 30):
            palette.putpixel((x, y), 0)  # the transparent index
    return encode(palette, "PNG", transparency=0)


def _rgba() -> bytes:
    flower = _sample("flower.jpg").convert("RGBA")
    alpha = np.full(flower.size[::-1], 255, np.uint8)
    alpha[:, : flower.width // 4] = 0  # a transparent strip on the left
    alpha[:, flower.width // 4 : flower.width // 2] = 90
    flower.putalpha(Image.fromarray(alpha))
    return encode(flower, "PNG")


@cache
def image_cases() -> tuple[ImageCase, ...]:
    """Every image case, built once per process (in about a second, mostly the large photo)."""
    coffee = (SAMPLES / "coffee.jpg").read_bytes()
    gray16 = (np.add.outer(np.arange(48), np.arange(64)) * 590).astype(np.uint16)  # 0..64900
    return (
        # Refused, each with a message that says why.
        ImageCase("empty.png", b"", "image/png", refused=EMPTY),
        ImageCase("truncated.jpg", coffee[: len(coffee) // 2], "image/jpeg", refused=UNREADABLE),
        ImageCase(
            "text.png", b"These are my notes, not a picture.\n", "image/png", refused=UNREADABLE
        ),
        ImageCase("notes.gif", b"plain text, not a picture", "image/gif", refused=UNREADABLE),
        ImageCase(
            "broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg", refused=UNREADABLE
        ),
        ImageCase(
            "signature.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "image/png", refused=UNREADABLE
        ),
        ImageCase("header.gif", b"GIF89a" + b"\xff" * 20, "image/gif", refused=UNREADABLE),
        # 900 megapixels in 110 kB: Pillow refuses it before decoding anything.
        ImageCase("bomb.png", png_of_zeros(30_000, 30_000), "image/png", refused=TOO_LARGE),
        # 81 megapixels: under Pillow's own limit, over the app's.
        ImageCase("81mp.png", png_of_zeros(9_000, 9_000), "image/png", refused=MEGAPIXELS),
        # Analysed: the caption gives the size and mode as sent.
        ImageCase(
            "cmyk.jpg",
            encode(_sample("coffee.jpg").convert("CMYK"), "JPEG", quality=92),
            "image/jpeg",
            size=(600, 400),
            mode="CMYK",
            top=frozenset({"espresso"}),
        ),
        ImageCase(
            "gray16.png",
            encode(Image.fromarray(gray16), "PNG"),
            "image/png",
            size=(64, 48),
            mode="I;16",
        ),
        ImageCase(
            "palette.png", _palette_with_transparency(), "image/png", size=(96, 64), mode="P"
        ),
        ImageCase(
            "animated.gif",
            _animated_gif(),
            "image/gif",
            size=(600, 400),
            mode="P",
            notes=("first of 3 frames used",),
            top=frozenset({"espresso"}),
        ),
        ImageCase(
            "dot.png",
            encode(Image.new("RGB", (1, 1), (200, 30, 30)), "PNG"),
            "image/png",
            size=(1, 1),
            mode="RGB",
        ),
        ImageCase(
            "strip.png",
            encode(
                Image.fromarray(np.tile(np.arange(10_000) % 256, (20, 1)).astype(np.uint8)), "PNG"
            ),
            "image/png",
            size=(10_000, 20),
            mode="L",
            notes=(),  # kept whole: scaling its long side to 1024 would leave 2 rows
        ),
        ImageCase(
            "rotated.jpg",
            _exif_rotated_coffee(),
            "image/jpeg",
            size=(600, 400),  # upright, as a person sees it (stored 400×600, EXIF-rotated)
            mode="RGB",
            top=frozenset({"espresso"}),
            sure=0.9,  # upright 0.98; on its side espresso is still first, at 0.41
        ),
        ImageCase(
            "gray.jpg",
            encode(_sample("chelsea.jpg").convert("L"), "JPEG", quality=92),
            "image/jpeg",
            size=Image.open(SAMPLES / "chelsea.jpg").size,
            mode="L",
            top=CAT_CLASSES,
        ),
        ImageCase(
            "large.jpg",
            encode(
                _sample("coffee.jpg").resize((6000, 4000), Image.Resampling.NEAREST),
                "JPEG",
                quality=85,
            ),
            "image/jpeg",
            size=(6000, 4000),
            mode="RGB",
            notes=("scaled to 1024×683 px",),
            top=frozenset({"espresso"}),
        ),
        ImageCase("alpha.png", _rgba(), "image/png", size=(640, 427), mode="RGBA"),
        # Degenerate shapes, 16-bit and float TIFFs, 64 megapixels in 80 kB: the digits page
        # gets the same files (digit_cases).
        ImageCase("column.png", thin_png(1, 20_000), "image/png", size=(1, 20_000), mode="1"),
        ImageCase("row.png", thin_png(20_000, 1), "image/png", size=(20_000, 1), mode="1"),
        ImageCase("float.tif", _mnist_picture(3, "F")[0], "image/tiff", size=(112, 112), mode="F"),
        ImageCase(
            "gray16.tif",
            _mnist_picture(5, "I;16")[0],
            "image/tiff",
            size=(112, 112),
            mode="I;16",
        ),
        ImageCase(
            "64mp.png",
            big_digit_png(),
            "image/png",
            size=(7990, 7990),
            mode="L",
            notes=("scaled to 1024×1024 px",),
        ),
    )


def thin_png(width: int, height: int) -> bytes:
    """A 1-bit PNG a pixel or so thick, white with a dark stretch in the middle (a stroke seen
    edge-on): 1×20,000 takes about 140 bytes."""
    values = np.ones((height, width), dtype=bool)
    if width >= height:
        values[:, width * 2 // 5 : width * 3 // 5] = False
    else:
        values[height * 2 // 5 : height * 3 // 5] = False
    return encode(Image.fromarray(values), "PNG", optimize=True)


@dataclass(frozen=True)
class DigitCase:
    """A picture sent to the digits page, and what it must do with it."""

    name: str
    data: bytes
    mime: str
    digit: int | None = None  # read as this digit by the CNN ...
    says: str | None = None  # ... or a message with these words instead (no reading)
    not_a_digit: bool = False  # read, but the page says no reader is confident


@cache
def _mnist_picture(position: int, kind: str) -> tuple[bytes, int]:
    """Held-out digit `position`, enlarged 4× as dark ink on white, saved as `kind`: a float
    TIFF (0.0 ink to 1.0 paper, mode F) or a 16-bit TIFF (mode I;16, 0 to 65535)."""
    from models.digits.data import digit_set

    data = digit_set()
    index = int(data.test[position])
    paper = 1.0 - np.kron(data.images[index], np.ones((4, 4))) / 255.0
    if kind == "F":
        image = Image.fromarray(paper.astype(np.float32), mode="F")
    else:
        image = Image.fromarray((paper * 65535).astype(np.uint16))
    return encode(image, "TIFF"), int(data.labels[index])


@cache
def digit_cases() -> tuple[DigitCase, ...]:
    """The digits page's odd pictures: degenerate shapes, 16-bit and float TIFFs, a photo, and
    a 64-megapixel PNG (the same files as the CNN page's cases of the same names)."""

    def same(name: str, **expected: object) -> DigitCase:
        case = image_case(name)
        return DigitCase(case.name, case.data, case.mime, **expected)

    return (
        same("column.png", says="too thin"),
        same("row.png", says="too thin"),
        same("float.tif", digit=_mnist_picture(3, "F")[1]),
        same("gray16.tif", digit=_mnist_picture(5, "I;16")[1]),
        same("64mp.png", digit=7),
        # A cat: all four readers said 4 (the CNN 27% sure, the row readers 85-99%).
        DigitCase(
            "chelsea.jpg", (SAMPLES / "chelsea.jpg").read_bytes(), "image/jpeg", not_a_digit=True
        ),
    )


def image_case(name: str) -> ImageCase:
    return next(case for case in image_cases() if case.name == name)


def write_images(
    folder: Path, cases: tuple[ImageCase | DigitCase, ...] | None = None
) -> dict[str, Path]:
    """Write every image case (or `cases`) into `folder`; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in image_cases() if cases is None else cases:
        path = folder / case.name
        path.write_bytes(case.data)
        paths[case.name] = path
    return paths


@dataclass(frozen=True)
class TextCase:
    name: str
    text: str
    empty: bool = False  # nothing to read: a message instead of a result
    long: bool = False  # more than any reader reads (200 words, 300 characters): it is cut
    unknown: bool = False  # has words the word readers do not know (marked with ?)


LONG_TEXT = ("The plot is slow but the actors are great; " * 120)[:5000]  # the text box's limit
SCRIPT = "<script>alert(1)</script>"
TEXT_CASES = (
    TextCase("empty", "", empty=True),
    TextCase("whitespace", " \n\t ", empty=True),
    TextCase("long", LONG_TEXT, long=True),
    TextCase("one word", "wow"),
    TextCase("emoji", "I love this 😍🔥 so much"),
    TextCase("right to left", "هذا فيلم رائع · הסרט היה נהדר", unknown=True),
    TextCase("invisible", "\x00\u200b\ufeff\u200d", unknown=True),  # NUL and zero-width
    TextCase("script", SCRIPT),
    TextCase("markup", "<b>bold</b> **bold** [link](http://x) # heading [x](javascript:alert(1))"),
    TextCase("unknown words", "zxqv blorfing quuxly ǝɯos", unknown=True),
)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.helpers.bad_inputs DIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    for name, path in write_images(folder, (*image_cases(), *digit_cases())).items():
        print(f"{name}\t{path.stat().st_size} bytes")
    texts = "\n".join(case.text.replace("\n", " ") for case in TEXT_CASES)
    (folder / "texts.txt").write_text(texts + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
