"""The council submission (Beschlussvorlage) as DOCX to edit and PDF to circulate."""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ..models import DossierExport
from . import charts, selectors
from .formatting import de_number
from .pdf import write_pdf
from .storage import write_atomically


@dataclass
class Scope:
    export: DossierExport
    figures: selectors.Figures
    participation: selectors.Figures
    rows: list = field(default_factory=list)
    phases: list = field(default_factory=list)

    @property
    def proposal_ids(self) -> list[int]:
        return [row.id for row in self.rows]

    @classmethod
    def of(cls, export: DossierExport) -> "Scope":
        proposals = selectors.proposals_of(export)
        distribution = selectors.rating_distribution(proposals)
        # A council submission names a few dozen proposals; they are held in memory.
        rows = list(selectors.ranked_rows(proposals, anonymise=True, distribution=distribution))
        # The facts: participation in the whole process, not only in the recommended proposals.
        if export.process_id:
            from ..models import Proposal

            whole = Proposal.objects.visible().filter(process_id=export.process_id)
        else:
            whole = proposals
        return cls(
            export=export,
            figures=selectors.figures(proposals),
            participation=selectors.figures(whole),
            rows=rows,
            phases=list(export.process.phases.all()) if export.process_id else [],
        )

    def facts(self) -> list[str]:
        export, figures = self.export, self.participation
        lines = []
        if export.process_id:
            lines.append(
                _("Die Stadt %(city)s hat das Beteiligungsverfahren „%(title)s“ durchgeführt.")
                % {"city": settings.PORTAL_CITY_NAME, "title": export.process.title}
            )
            for phase in self.phases:
                lines.append(
                    _("%(name)s: %(start)s bis %(end)s")
                    % {
                        "name": phase.name,
                        "start": timezone.localtime(phase.starts_at).strftime("%d.%m.%Y"),
                        "end": timezone.localtime(phase.ends_at).strftime("%d.%m.%Y"),
                    }
                )
        lines.append(
            _(
                "Eingegangen sind %(proposals)d Vorschläge mit %(ratings)d Bewertungen von "
                "%(raters)d Personen und %(comments)d Kommentaren von %(commenters)d Personen."
            )
            % {
                "proposals": figures.proposals,
                "ratings": figures.ratings,
                "raters": figures.raters,
                "comments": figures.comments,
                "commenters": figures.commenters,
            }
        )
        lines.append(
            _("Dem Rat werden %(n)d Vorschläge zur Beschlussfassung empfohlen.")
            % {"n": len(self.rows)}
        )
        return lines


def rating_line(row) -> str:
    if not row.rating_count:
        return _("Noch keine Bewertungen.")
    return _(
        "Mittelwert %(mean)s von 5 bei %(count)d Bewertungen (Bayes-Bewertung %(score)s); "
        "Verteilung 1–5 Sterne: %(dist)s"
    ) % {
        "mean": de_number(row.mean),
        "count": row.rating_count,
        "score": de_number(row.rating_score),
        "dist": " / ".join(str(n) for n in row.distribution),
    }


def build_docx(scope: Scope, target: Path) -> None:
    export = scope.export
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    document.core_properties.title = export.subject
    document.core_properties.language = "de-DE"
    document.core_properties.author = _("Stadt %(city)s") % {"city": settings.PORTAL_CITY_NAME}
    document.add_heading(_("Beschlussvorlage"), level=0)
    document.add_paragraph(_("Betreff: %(subject)s") % {"subject": export.subject})
    document.add_heading(_("Beschlussvorschlag"), level=1)
    for paragraph in export.proposed_resolution.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    document.add_heading(_("Sachverhalt"), level=1)
    for line in scope.facts():
        document.add_paragraph(line)
    document.add_heading(_("Die empfohlenen Vorschläge"), level=1)
    if not scope.rows:
        document.add_paragraph(_("Es sind keine Vorschläge zur Beschlussfassung empfohlen."))
    for row in scope.rows:
        document.add_heading(f"{row.reference}: {row.title}", level=2)
        meta = document.add_paragraph(
            _("Schwerpunkt: %(pillar)s · Ortsteil: %(district)s")
            % {"pillar": row.pillar, "district": row.district or "–"}
        )
        meta.alignment = WD_ALIGN_PARAGRAPH.LEFT
        document.add_paragraph(row.summary)
        document.add_paragraph(rating_line(row))
        document.add_heading(_("Stellungnahme der Verwaltung"), level=3)
        document.add_paragraph(row.official_answer or _("Eine Stellungnahme liegt noch nicht vor."))
    write_atomically(target, lambda path: document.save(path))


def build_pdf(scope: Scope, target: Path) -> None:
    for row in scope.rows:
        row.chart = charts.distribution_svg(row.distribution)
        row.rating_line = rating_line(row)
    context = {
        "export": scope.export,
        "facts": scope.facts(),
        "rows": scope.rows,
        "resolution": [p.strip() for p in scope.export.proposed_resolution.split("\n\n")],
        "generated_at": timezone.localtime(),
    }
    write_atomically(
        target, lambda path: write_pdf("ideas/exports/council_submission.html", context, path)
    )


BUILDERS = {"docx": build_docx, "pdf": build_pdf}
