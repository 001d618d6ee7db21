"""Refuse oversized photos while they arrive, before they are written out or read into memory.

Django writes an upload to a temporary file and only then lets the form look at it; a 50 MB
"photo" would be received in full first. This handler stands first in the request's chain: it
counts each file's bytes and, past the limit, swallows the rest, so the handlers behind it never
see more than the limit. The file then arrives as an empty stand-in that still carries its real
size, and the form refuses it by `upload.size` with the usual message.
"""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(InMemoryUploadedFile):
    """A file that was too large: no content, only its name and the size it had."""


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large = False

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            return None  # the handlers behind this one get nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if not self.too_large:
            return None  # the next handler (memory or temporary file) delivers the file
        return OversizedUpload(
            io.BytesIO(),
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
