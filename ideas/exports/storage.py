"""Where export files live: a private directory, written atomically, never at a public URL."""

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

from . import conf


class PrivateStorage(FileSystemStorage):
    """A file system storage without URLs: files leave only through a permission-checked view."""

    def __init__(self) -> None:
        super().__init__(location=str(conf.root()), base_url=None)

    def url(self, name):
        raise SuspiciousFileOperation("Export files have no public URL.")


def storage() -> PrivateStorage:
    # Built per call: tests and deployments change MEDIA_ROOT.
    return PrivateStorage()


def job_dir(export_id: int) -> Path:
    return conf.root() / str(export_id)


def path_of(export_id: int, name: str) -> Path:
    """The absolute path of one of an export's files (names are ours, checked all the same)."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise SuspiciousFileOperation(name)
    return Path(storage().path(f"{export_id}/{name}"))


@contextmanager
def atomic_file(target: Path, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """Write to a temporary file beside `target`; only a complete file is renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        with open(temp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """For libraries that write to a path themselves (WeasyPrint, openpyxl, python-docx)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        write(Path(temp))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_job_files(export_id: int) -> None:
    shutil.rmtree(job_dir(export_id), ignore_errors=True)
