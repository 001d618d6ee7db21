"""The workshop dossier read back: PDF text and tags, XLSX cells, CSV for German Excel."""

import pytest
from pypdf import PdfReader

from ideas.exports import services
from ideas.models import DossierExport

from .factories import rated_proposal, workshop_data
from .helpers import csv_rows, file_of, pdf_text, xlsx

pytestmark = pytest.mark.django_db

WORKSHOP = DossierExport.Kind.WORKSHOP


def build(process=None, *, anonymise=False, formats=("pdf", "xlsx", "csv"), **kwargs):
    export = services.request_export(
        actor=None,
        kind=WORKSHOP,
        formats=formats,
        process=process,
        anonymise=anonymise,
        enqueue=False,
        **kwargs,
    )
    services.build(export.pk)
    export.refresh_from_db()
    return export


def test_workshop_pdf_ranks_per_pillar_with_figures_answers_and_comments():
    process, (_best, _second, _other) = workshop_data()
    export = build(process, formats=["pdf"])
    assert export.state == DossierExport.State.READY
    assert export.progress == 100
    text = pdf_text(file_of(export, "pdf"))
    assert "Workshop-Dossier" in text
    assert "Digitalstrategie Lohmar 2019" in text
    assert "Kennzahlen" in text and "Inhalt" in text
    assert text.index("Freies WLAN im Rathaus") < text.index("Bürgerbüro online")
    assert "4,33" in text  # mean of 5,5,5,4,4,3 with a German decimal comma
    assert "Die Verwaltung prüft das WLAN" in text
    assert "Sehr gute Idee!" in text
    assert "Wahlscheid" in text
    assert "Seite 2 von" in text


def test_workshop_pdf_is_tagged_pdf_ua_with_chart_alt_text():
    process, _ = workshop_data()
    reader = PdfReader(file_of(build(process, formats=["pdf"]), "pdf"))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "de"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    alt_texts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "get"):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alt_texts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object") or isinstance(kid, dict):
                        walk(kid)

    walk(root["/StructTreeRoot"])
    assert any("3-mal 5 Sterne" in alt for alt in alt_texts), alt_texts


def test_workshop_xlsx_has_typed_cells_frozen_header_and_filter():
    process, (best, _second, _other) = workshop_data()
    book = xlsx(file_of(build(process, formats=["xlsx"]), "xlsx"))
    assert book.sheetnames == ["Übersicht", "Vorschläge", "Kommentare"]
    sheet = book["Vorschläge"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S4"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Aktenzeichen", "Titel", "Schwerpunkt", "Status"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    row = rows[best.reference]
    assert row[1] == "Freies WLAN im Rathaus"
    assert row[4:9] == (0, 0, 1, 2, 3)
    assert row[9] == pytest.approx(4.33)
    assert isinstance(row[10], float)
    assert row[11] == 2
    assert row[12] == "Wahlscheid"
    assert row[13] == pytest.approx(50.84)
    assert row[15] == best.author.display_name
    assert row[16] == "Online"
    assert row[17].year == best.created_at.year  # a real date cell
    assert row[18] == f"https://portal.example/vorschlaege/{best.reference}/"
    comments = list(book["Kommentare"].iter_rows(min_row=2, values_only=True))
    assert [(c[1], c[7]) for c in comments] == [
        (best.reference, "Sehr gute Idee!"),
        (best.reference, "Dem stimme ich zu."),
    ]
    assert comments[1][2] == comments[0][0]  # the reply names the comment it answers
    summary = dict(book["Übersicht"].iter_rows(min_row=2, values_only=True))
    assert summary["Vorschläge"] == 3
    assert summary["Bewertungen"] == 9


def test_a_formula_in_a_title_stays_text_in_xlsx_and_csv():
    proposal = rated_proposal(title='=HYPERLINK("http://x","y")')
    export = build(proposal.process, formats=["xlsx", "csv"])
    sheet = xlsx(file_of(export, "xlsx"))["Vorschläge"]
    cell = sheet["B2"]
    assert cell.value == '=HYPERLINK("http://x","y")'
    assert cell.data_type == "s"
    rows = csv_rows(file_of(export, "csv"))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'


def test_workshop_csv_opens_in_german_excel():
    process, (best, *_rest) = workshop_data()
    rows = csv_rows(file_of(build(process, formats=["csv"]), "csv"))
    assert rows[0][0] == "Aktenzeichen"
    row = next(r for r in rows if r[0] == best.reference)
    assert row[1] == "Freies WLAN im Rathaus"
    assert row[9] == "4,33"
    assert row[13] == "50,840000"
    assert len(rows) == 4


def test_an_anonymised_export_names_nobody():
    process, proposals = workshop_data()
    export = build(process, anonymise=True)
    people = set()
    from participation.models import Comment

    for proposal in proposals:
        people |= {proposal.author.email, proposal.author.real_name, proposal.author.display_name}
    for comment in Comment.objects.select_related("author"):
        people |= {comment.author.email, comment.author.real_name, comment.author.display_name}
    contents = [
        pdf_text(file_of(export, "pdf")),
        file_of(export, "csv").read_text(encoding="utf-8-sig"),
        "\n".join(
            str(value)
            for sheet in xlsx(file_of(export, "xlsx"))
            for row in sheet.iter_rows(values_only=True)
            for value in row
        ),
    ]
    for content in contents:
        assert "anonymisiert" in content
        assert "@" not in content
        for person in people:
            assert person not in content


def test_an_empty_selection_gives_a_clearly_empty_dossier():
    process, _ = workshop_data()
    export = build(process, statuses=["adopted"])
    assert export.state == DossierExport.State.READY
    assert "Diese Auswahl enthält keine Vorschläge" in pdf_text(file_of(export, "pdf"))
    book = xlsx(file_of(export, "xlsx"))
    assert book["Vorschläge"].max_row == 1
    assert len(csv_rows(file_of(export, "csv"))) == 1


def test_selected_proposals_are_exported_exactly():
    _process, (_best, second, other) = workshop_data()
    export = build(formats=["csv"], proposal_ids=[second.pk, other.pk])
    references = [row[0] for row in csv_rows(file_of(export, "csv"))[1:]]
    assert sorted(references) == sorted([second.reference, other.reference])
