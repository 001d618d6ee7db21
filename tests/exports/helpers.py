"""Reading export files back, as the people who receive them would."""

import csv
import io
import json
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from ideas.exports import storage
from ideas.models import DossierExport


def file_of(export: DossierExport, fmt: str) -> Path:
    export.refresh_from_db()
    return storage.path_of(export.pk, export.files[fmt])


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def xlsx(path: Path):
    return load_workbook(path)


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "German Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def docx_paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


def json_data(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
