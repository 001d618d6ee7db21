"""manage.py export_dossier: in the foreground, for cron and scripts."""

import pytest
from django.core.management import CommandError, call_command

from ideas.models import DossierExport

from .factories import workshop_data
from .helpers import csv_rows, pdf_text

pytestmark = pytest.mark.django_db


def test_the_command_builds_the_workshop_dossier_into_a_directory(tmp_path, capsys):
    workshop_data()
    out = tmp_path / "out"
    call_command(
        "export_dossier",
        "--kind",
        "workshop",
        "--process",
        "lohmar-2019",
        "--format",
        "pdf,xlsx,csv",
        "--anonymise",
        "--output",
        str(out),
    )
    export = DossierExport.objects.get()
    assert export.state == DossierExport.State.READY
    assert export.anonymise
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(export.files.values())
    csv_file = next(out.glob("*.csv"))
    assert len(csv_rows(csv_file)) == 4
    assert "Workshop-Dossier" in pdf_text(next(out.glob("*.pdf")))
    assert "ist fertig" in capsys.readouterr().out


def test_an_unknown_process_stops_with_a_clear_message():
    workshop_data()
    with pytest.raises(CommandError, match="Unbekanntes Verfahren „gibt-es-nicht“"):
        call_command(
            "export_dossier", "--kind", "workshop", "--process", "gibt-es-nicht", "--format", "pdf"
        )
    assert not DossierExport.objects.exists()


def test_an_unknown_format_stops_with_a_clear_message():
    workshop_data()
    with pytest.raises(CommandError, match="Unbekanntes Format in „pdf,odt“"):
        call_command(
            "export_dossier",
            "--kind",
            "workshop",
            "--process",
            "lohmar-2019",
            "--format",
            "pdf,odt",
        )
    assert not DossierExport.objects.exists()


def test_the_command_exits_non_zero(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "export_dossier", "--kind", "poster", "--format", "pdf"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        check=False,
    )
    assert result.returncode == 1
    assert "Unbekannte Art „poster“" in result.stderr
