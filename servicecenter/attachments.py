"""Files on tickets: recognised by their content (never by their name), size-limited, stored
outside every public URL and served only to those who may read the ticket."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
ALLOWED_LABEL = "PDF, JPEG, PNG, GIF, WebP, Word, Excel, OpenDocument, Text"


@dataclass(frozen=True)
class NewAttachment:
    """A file to attach, from an upload or an e-mail part."""

    filename: str
    content: bytes

    @classmethod
    def from_upload(cls, upload) -> "NewAttachment":
        """Read an upload, refusing one over the limit before reading it."""
        check_size(upload.name, upload.size)
        upload.seek(0)
        return cls(filename=upload.name, content=upload.read())

    @property
    def size(self) -> int:
        return len(self.content)


def check_size(filename: str, size: int) -> None:
    limit = settings.SERVICECENTER_MAX_ATTACHMENT_BYTES
    if size > limit:
        raise ValidationError(
            _("„%(name)s“ ist zu groß (%(size)s MB); erlaubt sind höchstens %(limit)s MB je Datei.")
            % {
                "name": filename,
                "size": f"{size / 1024 / 1024:.1f}".replace(".", ","),
                "limit": limit // (1024 * 1024),
            }
        )


def sniff(filename: str, content: bytes) -> str:
    """The content type, decided by the bytes; ValidationError for anything not allowed."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(content)) as picture:
            kind = picture.format
            picture.verify()
        if kind in IMAGE_TYPES:
            return IMAGE_TYPES[kind]
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        pass
    suffix = PurePath(filename).suffix.lower()
    if content.startswith(b"PK\x03\x04") and suffix in OFFICE_TYPES:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "[Content_Types].xml" in names or "mimetype" in names:
            return OFFICE_TYPES[suffix]
    if b"\0" not in content:
        try:
            content.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    raise ValidationError(
        _("„%(name)s“ hat kein erlaubtes Format (erlaubt: %(allowed)s).")
        % {"name": filename, "allowed": ALLOWED_LABEL}
    )


def check(files: list[NewAttachment]) -> list[str]:
    """Check every file; returns their content types in order."""
    if len(files) > settings.SERVICECENTER_MAX_ATTACHMENTS:
        raise ValidationError(
            _("Höchstens %(max)d Anhänge je Nachricht.")
            % {"max": settings.SERVICECENTER_MAX_ATTACHMENTS}
        )
    types = []
    for item in files:
        check_size(item.filename, item.size)
        types.append(sniff(item.filename, item.content))
    return types


def safe_name(filename: str) -> str:
    name = get_valid_filename(PurePath(filename or "anhang").name)[:200]
    return name or "anhang"


def save(message, files: list[NewAttachment], types: list[str]) -> None:
    from .models import Attachment

    for item, content_type in zip(files, types, strict=True):
        name = safe_name(item.filename)
        Attachment.objects.create(
            message=message,
            file=ContentFile(item.content, name=name),
            filename=name,
            content_type=content_type,
            size=item.size,
        )
