"""The workshop dossier: a PDF to read, an XLSX to sort and filter, a CSV for any tool."""

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..models import DossierExport, Pillar
from . import charts, conf, selectors
from .formatting import csv_text, de_datetime, de_number, local
from .pdf import write_pdf
from .storage import atomic_file, write_atomically

DIGEST_COMMENTS = 3


def proposal_columns() -> list[str]:
    return [
        _("Aktenzeichen"),
        _("Titel"),
        _("Schwerpunkt"),
        _("Status"),
        _("Bewertungen 1"),
        _("Bewertungen 2"),
        _("Bewertungen 3"),
        _("Bewertungen 4"),
        _("Bewertungen 5"),
        _("Mittelwert"),
        _("Bayes-Bewertung"),
        _("Kommentare"),
        _("Ortsteil"),
        _("Breitengrad"),
        _("Längengrad"),
        _("Eingereicht von"),
        _("Eingangsweg"),
        _("Eingereicht am"),
        _("Adresse"),
    ]


def comment_columns() -> list[str]:
    return [
        _("Kommentar-Nr."),
        _("Aktenzeichen"),
        _("Antwort auf Kommentar-Nr."),
        _("Verfasst von"),
        _("Offiziell"),
        _("Eingangsweg"),
        _("Verfasst am"),
        _("Kommentar"),
    ]


# --- Context shared by the formats --------------------------------------------------------------


@dataclass
class Scope:
    """What the export covers, read once per build."""

    export: DossierExport
    proposals: object  # QuerySet[Proposal]
    figures: selectors.Figures
    distribution: dict[int, list[int]]
    phases: list = field(default_factory=list)

    @classmethod
    def of(cls, export: DossierExport) -> "Scope":
        proposals = selectors.proposals_of(export)
        phases = list(export.process.phases.all()) if export.process_id else []
        return cls(
            export=export,
            proposals=proposals,
            figures=selectors.figures(proposals),
            distribution=selectors.rating_distribution(proposals),
            phases=phases,
        )

    def rows(self):
        return selectors.ranked_rows(
            self.proposals, anonymise=self.export.anonymise, distribution=self.distribution
        )

    def comments(self):
        return selectors.comment_rows(self.proposals, anonymise=self.export.anonymise)

    def filter_lines(self) -> list[tuple[str, str]]:
        export = self.export
        lines = [(_("Verfahren"), str(export.process) if export.process_id else _("alle"))]
        pillars = ", ".join(str(p) for p in export.pillars.all())
        lines.append((_("Schwerpunkte"), pillars or _("alle")))
        labels = dict(selectors.STATUS_LABELS)
        statuses = ", ".join(str(labels.get(s, s)) for s in export.statuses)
        lines.append((_("Status"), statuses or _("alle")))
        if export.created_from or export.created_until:
            lines.append(
                (
                    _("Eingereicht"),
                    f"{_fmt_date(export.created_from)} – {_fmt_date(export.created_until)}",
                )
            )
        if export.proposal_ids is not None:
            lines.append(
                (_("Auswahl"), _("%(n)d ausgewählte Vorschläge") % {"n": len(export.proposal_ids)})
            )
        lines.append((_("Anonymisiert"), _("ja") if export.anonymise else _("nein")))
        return lines


def _fmt_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "…"


# --- PDF ----------------------------------------------------------------------------------------


@dataclass
class PillarSection:
    pillar: Pillar
    anchor: str
    total: int = 0
    details: list = field(default_factory=list)
    listed: list = field(default_factory=list)
    omitted: int = 0


def build_pdf(scope: Scope, target: Path) -> None:
    details_max, list_max = conf.pdf_details_per_pillar(), conf.pdf_list_per_pillar()
    pillars = selectors.pillars_by_id(scope.figures.per_pillar)
    sections: dict[int, PillarSection] = {}
    for row in scope.rows():
        section = sections.get(row.pillar_id)
        if section is None:
            section = sections[row.pillar_id] = PillarSection(
                pillar=pillars[row.pillar_id], anchor=f"schwerpunkt-{row.pillar_id}"
            )
        section.total += 1
        if len(section.details) < details_max:
            row.chart = charts.distribution_svg(row.distribution)
            section.details.append(row)
        elif len(section.listed) < list_max:
            section.listed.append(row)
        else:
            section.omitted += 1
    digest = selectors.comment_digest(
        [row.id for s in sections.values() for row in s.details],
        per_proposal=DIGEST_COMMENTS,
        anonymise=scope.export.anonymise,
    )
    for section in sections.values():
        for row in section.details:
            row.digest = digest.get(row.id, [])
    context = {
        "export": scope.export,
        "process": scope.export.process,
        "phases": scope.phases,
        "figures": scope.figures,
        "filters": scope.filter_lines(),
        "sections": list(sections.values()),
        "generated_at": timezone.localtime(),
        "details_max": details_max,
    }
    write_atomically(
        target, lambda path: write_pdf("ideas/exports/workshop_dossier.html", context, path)
    )


# --- XLSX ---------------------------------------------------------------------------------------

DATE_FORMAT = "DD.MM.YYYY HH:MM"


class SheetWriter:
    """Typed cells for a write-only sheet; strings are always stored as text, never formulas."""

    def __init__(self, workbook: Workbook, title: str, header: list[str]) -> None:
        self.sheet = workbook.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        self.columns = len(header)
        self.rows = 0
        bold = Font(bold=True)
        cells = []
        for name in header:
            cell = self.text(name)
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)

    def text(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"  # a title like =HYPERLINK(…) stays text
        return cell

    def cell(self, value, number_format: str | None = None):
        if value is None:
            return None
        if isinstance(value, str):
            return self.text(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if number_format:
            cell.number_format = number_format
        return cell

    def append(self, values: list) -> None:
        self.sheet.append(values)
        self.rows += 1

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        self.sheet.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{self.rows + 1}"


def build_xlsx(scope: Scope, target: Path) -> None:
    workbook = Workbook(write_only=True)
    summary = SheetWriter(workbook, _("Übersicht"), [_("Angabe"), _("Wert")])
    figures = scope.figures
    for label, value in [
        *scope.filter_lines(),
        (_("Vorschläge"), figures.proposals),
        (_("Bewertungen"), figures.ratings),
        (_("Kommentare"), figures.comments),
        (_("Bewertende Personen"), figures.raters),
        (_("Kommentierende Personen"), figures.commenters),
        (_("Erstellt am"), local(timezone.now())),
    ]:
        number_format = DATE_FORMAT if isinstance(value, datetime) else None
        summary.append([summary.text(label), summary.cell(value, number_format)])
    summary.finish()

    sheet = SheetWriter(workbook, _("Vorschläge"), proposal_columns())
    references: dict[int, str] = {}
    for row in scope.rows():
        references[row.id] = row.reference
        c = sheet.cell
        sheet.append(
            [
                c(row.reference),
                c(row.title),
                c(row.pillar),
                c(row.status_label),
                *[c(n) for n in row.distribution],
                c(round(row.mean, 2) if row.mean is not None else None, "0.00"),
                c(round(row.rating_score, 3), "0.000"),
                c(row.comment_count),
                c(row.district),
                c(row.latitude, "0.000000"),
                c(row.longitude, "0.000000"),
                c(row.author),
                c(row.channel),
                c(local(row.created_at), DATE_FORMAT),
                c(row.url),
            ]
        )
    sheet.finish()

    comments = SheetWriter(workbook, _("Kommentare"), comment_columns())
    for comment in scope.comments():
        c = comments.cell
        comments.append(
            [
                c(comment.id),
                c(references.get(comment.proposal_id, "")),
                c(comment.parent_id),
                c(comment.author),
                c(_("ja") if comment.is_official else _("nein")),
                c(comment.channel),
                c(local(comment.created_at), DATE_FORMAT),
                c(comment.text),
            ]
        )
    comments.finish()
    write_atomically(target, lambda path: workbook.save(path))


# --- CSV ----------------------------------------------------------------------------------------


def german_csv_writer(handle):
    """Semicolons and a BOM: German Excel and LibreOffice open it without an import dialog."""
    return csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def build_csv(scope: Scope, target: Path) -> None:
    with atomic_file(target, "w", encoding="utf-8-sig", newline="") as handle:
        writer = german_csv_writer(handle)
        writer.writerow(proposal_columns())
        for row in scope.rows():
            writer.writerow(
                [
                    row.reference,
                    csv_text(row.title),
                    csv_text(row.pillar),
                    row.status_label,
                    *row.distribution,
                    de_number(row.mean),
                    de_number(row.rating_score, 3),
                    row.comment_count,
                    csv_text(row.district),
                    de_number(row.latitude, 6),
                    de_number(row.longitude, 6),
                    csv_text(row.author),
                    row.channel,
                    de_datetime(row.created_at),
                    row.url,
                ]
            )


BUILDERS = {"pdf": build_pdf, "xlsx": build_xlsx, "csv": build_csv}
