"""Upload checks: only decodable images within the limits are kept, upright, with a thumbnail."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from PIL import Image, ImageFile

from studio.images import THUMBNAIL_WIDTH, ImageUploadField, clean_image


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def two_colour(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    img = Image.new("RGB", (width, height), "blue")
    img.paste((255, 0, 0), (0, 0, width // 2, height))
    return img


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def opened(content) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


def error_code(excinfo) -> str:
    return excinfo.value.error_list[0].code


@pytest.fixture
def no_decoding(monkeypatch):
    """Counts how often Pillow decodes pixels, to prove a refusal came from the header alone."""
    calls = []
    real_load = ImageFile.ImageFile.load

    def counting_load(self):
        calls.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    return calls


def test_it_keeps_a_png_as_jpeg_with_a_thumbnail():
    clean = clean_image(encode(two_colour(1200, 800), "PNG"))

    assert (clean.width, clean.height, clean.format) == (1200, 800, "JPEG")
    assert clean.image.name.endswith(".jpg")
    image = opened(clean.image)
    assert (image.format, image.size) == ("JPEG", (1200, 800))
    thumbnail = opened(clean.thumbnail)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (THUMBNAIL_WIDTH, 320))


def test_it_keeps_a_jpeg():
    clean = clean_image(SimpleUploadedFile("photo.jpeg", encode(two_colour(640, 360), "JPEG")))

    assert (clean.width, clean.height) == (640, 360)
    assert opened(clean.image).getpixel((10, 180))[0] > 200  # still red on the left


def test_it_does_not_enlarge_a_small_image_for_the_thumbnail():
    clean = clean_image(encode(two_colour(100, 50), "PNG"))

    assert opened(clean.thumbnail).size == (100, 50)


def test_it_keeps_png_where_there_is_transparency():
    img = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    img.paste((20, 20, 20, 255), (10, 10, 30, 30))

    clean = clean_image(encode(img, "PNG"))

    assert clean.format == "PNG" and clean.extension == ".png"
    assert opened(clean.image).getpixel((0, 0))[3] == 0
    assert opened(clean.thumbnail).getpixel((0, 0)) == pytest.approx((255, 255, 255), abs=3)


def test_an_opaque_alpha_channel_still_makes_a_jpeg():
    clean = clean_image(encode(Image.new("RGBA", (20, 20), (10, 200, 10, 255)), "PNG"))

    assert clean.format == "JPEG"


def test_it_accepts_webp_and_takes_the_first_frame_of_a_gif():
    frames = [Image.new("RGB", (30, 30), colour) for colour in ("red", "blue")]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    assert clean_image(encode(two_colour(30, 20), "WEBP")).width == 30
    red, green, blue = opened(clean_image(gif).image).getpixel((15, 15))
    assert red > 200 and blue < 50


def test_it_turns_an_exif_rotated_jpeg_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display", as a phone held upright writes it
    sideways = encode(two_colour(40, 20), "JPEG", exif=exif.tobytes())

    clean = clean_image(sideways)

    assert (clean.width, clean.height) == (20, 40)
    upright = opened(clean.image).convert("RGB")
    assert upright.getpixel((10, 5))[0] > 200  # what was the left (red) is now on top
    assert upright.getpixel((10, 35))[2] > 200
    assert 0x0112 not in upright.getexif()  # no second rotation by the browser


def test_a_text_file_named_png_is_refused():
    text = b"INT. KITCHEN - DAY\nShe opens the door.\n"
    upload = SimpleUploadedFile("panel.png", text, content_type="image/png")

    with pytest.raises(ValidationError, match="not an image") as excinfo:
        clean_image(upload)
    assert error_code(excinfo) == "not_an_image"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(ValidationError, match="JPEG, PNG, WebP or GIF"):
        clean_image(encode(Image.new("RGB", (10, 10)), fmt))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        clean_image(SimpleUploadedFile("empty.png", b""))


def test_a_truncated_image_is_refused_as_damaged():
    data = encode(Image.effect_noise((200, 200), 60), "PNG")

    with pytest.raises(ValidationError, match="damaged") as excinfo:
        clean_image(data[: len(data) // 2])
    assert error_code(excinfo) == "damaged"


def test_a_decompression_bomb_is_refused_from_its_header(no_decoding):
    bomb = png_claiming(20_000, 20_000)  # 400 megapixels (1.2 GB decoded) in under 100 bytes
    assert len(bomb) < 200

    with pytest.raises(ValidationError, match="too large") as excinfo:
        clean_image(SimpleUploadedFile("bomb.png", bomb))
    assert error_code(excinfo) == "too_many_pixels"
    assert no_decoding == []


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(no_decoding):
    # 49 megapixels: under Pillow's own bomb limit, over the studio's 40.
    with pytest.raises(ValidationError, match="at most 40 megapixels"):
        clean_image(png_claiming(7_000, 7_000))
    assert no_decoding == []


def test_the_pixel_limit_comes_from_settings(settings):
    settings.UPLOAD_MAX_PIXELS = 100

    with pytest.raises(ValidationError, match="too large"):
        clean_image(encode(Image.new("RGB", (11, 10)), "PNG"))
    assert clean_image(encode(Image.new("RGB", (10, 10)), "PNG")).width == 10


def test_a_file_over_the_byte_limit_is_refused_unread(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    data = encode(Image.effect_noise((100, 100), 60), "PNG")
    assert len(data) > 1000
    upload = SimpleUploadedFile("big.png", data)

    with pytest.raises(ValidationError, match="larger than") as excinfo:
        clean_image(upload)
    assert error_code(excinfo) == "too_big"
    assert upload.tell() == 0  # refused from its declared size, not read
    with pytest.raises(ValidationError, match="larger than"):
        clean_image(data)


class PanelForm(forms.Form):
    panel = ImageUploadField()


class ReferencesForm(forms.Form):
    images = ImageUploadField(multiple=True)


def test_the_form_field_gives_a_clean_image():
    form = PanelForm(files={"panel": SimpleUploadedFile("p.png", encode(two_colour(8, 8), "PNG"))})

    assert form.is_valid()
    assert form.cleaned_data["panel"].width == 8


def test_the_form_field_shows_the_error_in_place():
    form = PanelForm(files={"panel": SimpleUploadedFile("p.png", b"not an image")})

    assert not form.is_valid()
    assert "not an image" in form.errors["panel"][0]


def test_one_bad_file_among_several_refuses_them_all_naming_it():
    good = SimpleUploadedFile("front.png", encode(two_colour(8, 8), "PNG"))
    bad = SimpleUploadedFile("notes.png", b"hello")
    form = ReferencesForm(files=MultiValueDict({"images": [good, bad]}))

    assert not form.is_valid()
    assert form.errors["images"] == [
        "notes.png: This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF image."
    ]


def test_several_good_files_are_all_cleaned():
    files = MultiValueDict(
        {"images": [SimpleUploadedFile(f"{n}.png", encode(two_colour(8, 8), "PNG")) for n in "ab"]}
    )
    form = ReferencesForm(files=files)

    assert form.is_valid()
    assert len(form.cleaned_data["images"]) == 2
