"""Uploaded pictures: checked by their content (never their name), re-encoded without metadata.

Proposals and defect reports take photos from phones; those carry the place they were taken
(GPS EXIF) and the camera. Re-encoding with Pillow drops all of it: Pillow writes EXIF only
when asked to.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_SIDE = 2048
THUMBNAIL_SIDE = 400
# Decompression bombs: a 20000 by 20000 pixel picture fits in a few MB of PNG.
Image.MAX_IMAGE_PIXELS = 64_000_000


def check_image(upload, *, max_bytes: int) -> None:
    """Refuse an upload that is too large, is no picture, or a picture of a foreign format."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("„%(name)s“ ist zu groß: ein Bild darf höchstens %(size)d MB groß sein.")
            % {"name": upload.name, "size": max_bytes // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            kind = picture.format
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("„%(name)s“ ist kein Bild (erlaubt: JPEG, PNG, WebP, GIF).") % {"name": upload.name}
        ) from None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(
            _("„%(name)s“ hat kein erlaubtes Format (JPEG, PNG, WebP, GIF).")
            % {"name": upload.name}
        )


def clean_image(upload, *, max_side: int = MAX_SIDE) -> ContentFile:
    """Re-encode: orientation applied, at most `max_side` px, and no EXIF (GPS, camera)."""
    upload.seek(0)
    with Image.open(upload) as picture:
        lossless = picture.format in ("PNG", "GIF")  # drawings and screenshots stay sharp
        picture = ImageOps.exif_transpose(picture)
        picture.thumbnail((max_side, max_side))
        output = io.BytesIO()
        if lossless or picture.mode in ("RGBA", "LA"):
            picture.convert("RGBA").save(output, "PNG", optimize=True)
            extension = "png"
        else:
            picture.convert("RGB").save(output, "JPEG", quality=85, optimize=True)
            extension = "jpg"
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")
