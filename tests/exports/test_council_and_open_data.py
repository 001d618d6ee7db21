"""The council submission (DOCX, PDF), the council's decision, and the open data."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from ideas.exports import services
from ideas.models import DossierExport, Proposal, StatusChange

from .factories import exporter, rated_proposal, workshop_data
from .helpers import csv_rows, docx_paragraphs, file_of, json_data, pdf_text

pytestmark = pytest.mark.django_db


def council_export(process):
    export = services.request_export(
        actor=None,
        kind="council",
        formats=["docx", "pdf"],
        process=process,
        proposed_resolution="Der Rat beschließt die Vorschläge der Anlage.",
        enqueue=False,
    )
    services.build(export.pk)
    export.refresh_from_db()
    return export


@pytest.fixture
def recommended():
    process, (best, second, other) = workshop_data()
    Proposal.objects.filter(pk__in=[best.pk, other.pk]).update(status="recommended")
    return process, best, second, other


def test_the_council_docx_has_subject_resolution_facts_and_each_proposal(recommended):
    process, best, second, other = recommended
    export = council_export(process)
    assert export.state == DossierExport.State.READY
    assert sorted(export.proposal_ids) == sorted([best.pk, other.pk])
    paragraphs = docx_paragraphs(file_of(export, "docx"))
    assert paragraphs[0] == "Beschlussvorlage"
    assert "Betreff: Ergebnisse der Bürgerbeteiligung „Digitalstrategie Lohmar 2019“" in paragraphs
    assert "Der Rat beschließt die Vorschläge der Anlage." in paragraphs
    assert "Sachverhalt" in paragraphs
    assert any("Eingegangen sind 3 Vorschläge mit 9 Bewertungen" in p for p in paragraphs)
    assert f"{best.reference}: Freies WLAN im Rathaus" in paragraphs
    assert f"{second.reference}: Bürgerbüro online" not in paragraphs
    assert "Die Verwaltung prüft das WLAN bis Ende des Jahres." in paragraphs
    assert any(p.startswith("Mittelwert 4,33 von 5 bei 6 Bewertungen") for p in paragraphs)


def test_the_council_pdf_reads_the_same(recommended):
    process, _best, *_ = recommended
    text = pdf_text(file_of(council_export(process), "pdf"))
    assert "Beschlussvorlage" in text
    assert "Beschlussvorschlag" in text
    assert "Freies WLAN im Rathaus" in text
    assert "Stellungnahme der Verwaltung" in text


def test_recording_the_decision_moves_the_statuses_through_the_services(recommended):
    process, best, _second, other = recommended
    export = council_export(process)
    moderator = exporter()
    services.record_council_decision(
        actor=moderator,
        export=export,
        decision_date=date(2019, 12, 11),
        resolution_number="RAT/2019/117",
        outcomes={best.pk: "adopted", other.pk: "deferred"},
        statements={other.pk: "Der Rat möchte zuerst die Kosten kennen."},
    )
    best.refresh_from_db()
    other.refresh_from_db()
    assert best.status == "adopted"
    assert other.status == "deferred"
    assert other.official_answer == "Der Rat möchte zuerst die Kosten kennen."
    change = StatusChange.objects.filter(proposal=best).last()
    assert change.note == "Ratsbeschluss Nr. RAT/2019/117 vom 11.12.2019"
    export.refresh_from_db()
    assert export.decision_outcomes == {best.reference: "adopted", other.reference: "deferred"}
    with pytest.raises(ValidationError):
        services.record_council_decision(
            actor=moderator,
            export=export,
            decision_date=date(2019, 12, 11),
            resolution_number="RAT/2019/118",
            outcomes={},
        )


def test_a_council_submission_without_recommendations_is_clearly_empty():
    process, _ = workshop_data()
    export = council_export(process)
    assert "Es sind keine Vorschläge zur Beschlussfassung empfohlen." in docx_paragraphs(
        file_of(export, "docx")
    )


def test_open_data_has_the_published_proposals_without_personal_data():
    process, (best, second, other) = workshop_data()
    hidden = rated_proposal(process=process, title="Ausgeblendet", is_hidden=True)
    Proposal.objects.filter(pk=second.pk).update(on_behalf_of="Erika Mustermann, Tel. 0221")
    export = services.refresh_open_data()
    services.build(export.pk)
    data = json_data(file_of(export, "json"))
    assert data["licence"].startswith("Datenlizenz Deutschland")
    references = {p["reference"] for p in data["proposals"]}
    assert references == {best.reference, second.reference, other.reference}
    assert hidden.reference not in references
    record = next(p for p in data["proposals"] if p["reference"] == best.reference)
    assert record["ratings_5"] == 3
    assert record["licence"] == data["licence"]
    assert "author" not in record
    raw = file_of(export, "json").read_text() + file_of(export, "csv").read_text()
    for proposal in (best, second, other):
        author = proposal.author
        for value in (author.email, author.real_name, author.display_name):
            assert value not in raw
    assert "Erika Mustermann" not in raw
    assert "@" not in raw
    rows = csv_rows_plain(file_of(export, "csv"))
    assert rows[0][-1] == "licence"
    assert len(rows) == 4


def csv_rows_plain(path):
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_helper_requires_the_bom_for_dossiers():
    # The dossier CSV (for Excel) has a BOM; the open data CSV (for machines) has none.
    proposal = rated_proposal()
    export = services.request_export(
        actor=None, kind="workshop", formats=["csv"], process=proposal.process, enqueue=False
    )
    services.build(export.pk)
    assert csv_rows(file_of(export, "csv"))[1][0] == proposal.reference
