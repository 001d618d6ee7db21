"""Files and tickets for the tests of the citizen's side (web form, postbox, secret link)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from servicecenter import services
from servicecenter.attachments import NewAttachment
from servicecenter.models import Channel

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The start of a Windows program: "MZ", a DOS stub, binary bytes.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attachment(name: str = "bescheid.pdf", content: bytes = PDF) -> NewAttachment:
    return NewAttachment(filename=name, content=content)


def account_ticket(citizen, *, subject: str = "Ummeldung nach Umzug", text: str = "Hallo", **kw):
    """A web ticket of a logged-in citizen."""
    ticket, _token = services.open_ticket(
        actor=citizen, subject=subject, text=text, channel=Channel.WEB, **kw
    )
    return ticket


def link_ticket(*, email: str = "", phone: str = "02246 123456", subject: str = "Sperrmüll"):
    """A web ticket without an account; returns it with its secret link token."""
    return services.open_ticket(
        actor=None,
        subject=subject,
        text="Wann wird Sperrmüll abgeholt?",
        channel=Channel.WEB,
        contact_name="Erika Mustermann",
        contact_email=email,
        contact_phone=phone,
    )
