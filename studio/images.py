"""Upload checks for every image the studio keeps (shot panels, character references).

An upload is trusted only after Pillow has decoded it: not its extension, not its content type.
The order matters, because a small file can claim an enormous image (a "decompression bomb"):

1. the byte size is checked before the file is read (settings.UPLOAD_MAX_BYTES);
2. Image.open() reads only the header, so width x height is compared with
   settings.UPLOAD_MAX_PIXELS before a single pixel is decoded;
3. verify() walks the file for structural damage, then the image is reopened (a verified image
   cannot be used again) and load() decodes it;
4. the EXIF orientation is applied, so a phone photo taken sideways stands upright;
5. it is re-encoded: JPEG for photos, PNG where the alpha channel is really used, plus a JPEG
   thumbnail about THUMBNAIL_WIDTH px wide.

Re-encoding also drops whatever else the file carried (metadata, trailing bytes) except the colour
profile, which is kept so colours look the same.

`clean_image()` is pure: bytes (or a file) in, values out; nothing is stored here. Forms use
`ImageUploadField`, whose cleaned value is a CleanImage (or a list of them); the view stores it
with `CleanImage.save_into()`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_WIDTH = 480
JPEG_QUALITY = 90
THUMBNAIL_QUALITY = 82
# Only these decoders are ever tried: fewer parsers see untrusted bytes, and anything else
# (BMP, TIFF, PSD, …) is refused with the same clear message as a text file.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPTED_TEXT = "a JPEG, PNG, WebP or GIF image"
# Transparent pixels are laid on this colour in the JPEG thumbnail. White, because drawn panels
# are usually dark lines on a transparent ground.
THUMBNAIL_MATTE = (255, 255, 255)


@dataclass(frozen=True)
class CleanImage:
    """A decoded, checked and re-encoded upload, ready to be stored."""

    image: ContentFile  # JPEG, or PNG when the picture has transparency
    thumbnail: ContentFile  # always JPEG
    width: int
    height: int
    format: str  # "JPEG" or "PNG": the format of `image`

    @property
    def extension(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"

    def save_into(self, image_file: Any, thumbnail_file: Any) -> None:
        """Store into two FieldFiles of an unsaved or saved instance (the caller saves the row),
        e.g. clean.save_into(shot.panel, shot.panel_thumbnail); shot.save()."""
        image_file.save(f"image{self.extension}", self.image, save=False)
        thumbnail_file.save("thumbnail.jpg", self.thumbnail, save=False)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} megapixels"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _read_bounded(upload: IO[bytes] | bytes, limit: int) -> bytes:
    """The upload's bytes, refused before reading when its declared size is over the limit."""
    too_big = ValidationError(
        f"This file is larger than {_megabytes(limit)}. Upload a smaller image.", code="too_big"
    )
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        declared = getattr(upload, "size", None)
        if declared is not None and declared > limit:
            raise too_big
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    if not data:
        raise ValidationError("This file is empty.", code="empty")
    return data


def _open(data: bytes) -> Image.Image:
    """Open with the accepted decoders only. This reads the header; pixels come with load().

    Pillow itself raises DecompressionBombError past 2 x Image.MAX_IMAGE_PIXELS (about 179
    megapixels); our own, lower limit is checked by the caller right after this.
    """
    return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)


def _has_alpha(img: Image.Image) -> bool:
    """True when some pixel is not fully opaque (an unused alpha channel does not count)."""
    if img.mode not in ("RGBA", "LA", "PA") and not (
        img.mode == "P" and "transparency" in img.info
    ):
        return False
    alpha = img.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255


def _encode(img: Image.Image, fmt: str, icc: bytes | None, quality: int) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if icc:
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def _thumbnail(img: Image.Image) -> Image.Image:
    if img.mode == "RGBA":
        matte = Image.new("RGB", img.size, THUMBNAIL_MATTE)
        matte.paste(img, mask=img.getchannel("A"))
        img = matte
    if img.width > THUMBNAIL_WIDTH:
        height = max(1, round(img.height * THUMBNAIL_WIDTH / img.width))
        img = img.resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return img


def clean_image(upload: IO[bytes] | bytes) -> CleanImage:
    """Check and normalise an uploaded image; ValidationError with a message a user can act on."""
    max_bytes: int = settings.UPLOAD_MAX_BYTES
    max_pixels: int = settings.UPLOAD_MAX_PIXELS
    not_an_image = ValidationError(
        f"This file is not an image we can read. Upload {ACCEPTED_TEXT}.", code="not_an_image"
    )
    too_many_pixels = ValidationError(
        f"This image is too large: at most {_megapixels(max_pixels)} (width x height).",
        code="too_many_pixels",
    )
    data = _read_bounded(upload, max_bytes)

    # 1. The header alone: format and size, no pixels decoded yet.
    try:
        header = _open(data)
    except Image.DecompressionBombError:
        raise too_many_pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image
    width, height = header.size
    if width < 1 or height < 1:
        raise not_an_image
    if width * height > max_pixels:
        raise too_many_pixels

    # 2. Structure, then the pixels themselves (first frame of an animation).
    try:
        header.verify()
        img = _open(data)
        img.seek(0)
        img.load()
        # A colour profile is kept only for RGB sources: a CMYK or grey profile would be wrong
        # once the pixels are converted to RGB below (those images are shown uncorrected).
        icc = img.info.get("icc_profile") if img.mode in ("RGB", "RGBA") else None
        img = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError:
        raise too_many_pixels
    except Exception:  # Pillow raises many types for damaged files; all mean the same here
        raise ValidationError(
            "This image is damaged or incomplete and cannot be read. Try exporting it again.",
            code="damaged",
        )

    # 3. Re-encode: PNG keeps real transparency, everything else becomes a JPEG.
    if _has_alpha(img):
        fmt, img = "PNG", img.convert("RGBA")
        image_bytes = _encode(img, "PNG", icc, JPEG_QUALITY)
    else:
        fmt, img = "JPEG", img.convert("RGB")
        image_bytes = _encode(img, "JPEG", icc, JPEG_QUALITY)
    thumbnail_bytes = _encode(_thumbnail(img), "JPEG", icc, THUMBNAIL_QUALITY)
    extension = ".png" if fmt == "PNG" else ".jpg"
    return CleanImage(
        image=ContentFile(image_bytes, name=f"image{extension}"),
        thumbnail=ContentFile(thumbnail_bytes, name="thumbnail.jpg"),
        width=img.width,
        height=img.height,
        format=fmt,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImageUploadField(forms.FileField):
    """A file field whose cleaned value is a CleanImage (or a list of them with multiple=True).

    Errors are form errors, shown next to the field; with several files, one bad file refuses
    them all (each message names its file), so nothing is half saved.
    """

    def __init__(self, *, multiple: bool = False, **kwargs: Any) -> None:
        self.multiple = multiple
        if multiple:
            kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("widget", forms.ClearableFileInput())
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif")

    def clean(self, data: Any, initial: Any = None) -> Any:
        if not self.multiple:
            upload = super().clean(data, initial)
            if not upload or upload is initial:
                return upload
            return clean_image(upload)
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(clean_image(super().clean(upload, initial)))
            except ValidationError as error:
                errors.extend(f"{upload.name}: {message}" for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned
