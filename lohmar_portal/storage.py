"""Where uploads that are not for everybody live: ticket files, defect photos before release.

They sit in a storage without URLs (under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT), so even a
web server that serves /media/ cannot hand them out; they leave only through views that check
who asks.
"""

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileStorage(FileSystemStorage):
    """A file system storage without public URLs."""

    def __init__(self, **options) -> None:
        super().__init__(**{**options, "base_url": None})

    def url(self, name):
        raise SuspiciousFileOperation("Private files have no public URL.")


def private_storage():
    """The configured "private" storage (a callable for FileField, resolved at model load)."""
    return storages["private"]
