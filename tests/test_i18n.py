"""Every UI string is translatable, and the German and English catalogues are complete."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = [
    ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po",
    ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po",
    ROOT / "locale" / "formal" / "de" / "LC_MESSAGES" / "django.po",
]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 10


def test_catalogues_hold_every_string_of_the_source(tmp_path):
    """makemessages on a copy of the source finds nothing the committed catalogues lack."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            "node_modules",
            ".git",
            "*.mo",
            "db.sqlite3*",
            "media",
            "staticfiles",
            "__pycache__",
            ".*cache",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "de",
            "-l",
            "en",
            "--no-obsolete",
            "--no-location",
            "--ignore=bench",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=120,
    )
    for language in ("de", "en"):
        relative = Path("locale") / language / "LC_MESSAGES" / "django.po"
        extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / relative))}
        committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(ROOT / relative))}
        assert extracted - committed == set(), f"run `make messages` and translate ({language})"


def test_allauth_speaks_formal_german():
    with translation.override("de"):
        assert translation.gettext("Please type your current password.") == (
            "Bitte geben Sie Ihr aktuelles Passwort ein."
        )


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_keep_every_placeholder(path):
    """A translation that drops or invents a placeholder breaks the page or the e-mail."""
    for entry in polib.pofile(str(path)):
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = sorted(PLACEHOLDER.findall(text))
            # A singular form may leave out the number ("1 Bewertung"), never add a name.
            assert set(found) <= set(expected), (entry.msgid, text)
            if not entry.msgid_plural:
                assert found == expected, (entry.msgid, text)
