"""Build a dossier export in the foreground, for cron jobs and scripts.

    manage.py export_dossier --kind workshop --process SLUG --format pdf,xlsx,csv \\
        [--anonymise] [--pillar SLUG ...] [--status STATUS ...] [--output DIR]

Exits non-zero with a message for an unknown kind, process, pillar, status or format, and
when the build fails; the job row records the outcome either way.
"""

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ideas.exports import services, storage
from ideas.models import DossierExport, Pillar, Proposal
from participation.models import Process

KINDS = {
    "workshop": DossierExport.Kind.WORKSHOP,
    "council": DossierExport.Kind.COUNCIL,
    "open-data": DossierExport.Kind.OPEN_DATA,
    "open_data": DossierExport.Kind.OPEN_DATA,
}


class Command(BaseCommand):
    help = "Build a dossier export (workshop, council, open-data) now, without a worker."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="workshop, council or open-data")
        parser.add_argument("--process", help="slug of the participation process")
        parser.add_argument(
            "--format", dest="formats", required=True, help="comma-separated, e.g. pdf,xlsx,csv"
        )
        parser.add_argument("--anonymise", action="store_true", help="no names of people")
        parser.add_argument("--pillar", action="append", default=[], help="pillar slug")
        parser.add_argument("--status", action="append", default=[], help="proposal status")
        parser.add_argument("--output", help="directory to copy the finished files to")

    def handle(self, *args, **options):
        kind = KINDS.get(options["kind"])
        if kind is None:
            raise CommandError(
                _("Unbekannte Art „%(kind)s“. Möglich sind: workshop, council, open-data.")
                % {"kind": options["kind"]}
            )
        process = None
        if options["process"]:
            process = Process.objects.filter(slug=options["process"]).first()
            if process is None:
                known = ", ".join(Process.objects.values_list("slug", flat=True)) or "–"
                raise CommandError(
                    _("Unbekanntes Verfahren „%(slug)s“. Vorhanden: %(known)s.")
                    % {"slug": options["process"], "known": known}
                )
        pillars = list(Pillar.objects.filter(slug__in=options["pillar"]))
        missing = set(options["pillar"]) - {p.slug for p in pillars}
        if missing:
            raise CommandError(
                _("Unbekannter Schwerpunkt: %(slugs)s.") % {"slugs": ", ".join(sorted(missing))}
            )
        bad_status = [s for s in options["status"] if s not in Proposal.Status.values]
        if bad_status:
            raise CommandError(
                _("Unbekannter Status: %(bad)s. Möglich sind: %(all)s.")
                % {"bad": ", ".join(bad_status), "all": ", ".join(Proposal.Status.values)}
            )
        formats = options["formats"].split(",")
        try:
            services.check_formats(kind, formats)
        except ValidationError:
            raise CommandError(
                _("Unbekanntes Format in „%(formats)s“. Für %(kind)s möglich: %(allowed)s.")
                % {
                    "formats": options["formats"],
                    "kind": options["kind"],
                    "allowed": ",".join(services.FORMATS[kind]),
                }
            ) from None
        output = Path(options["output"]) if options["output"] else None
        if output is not None:
            output.mkdir(parents=True, exist_ok=True)
        export = services.request_export(
            actor=None,
            kind=kind,
            formats=formats,
            process=process,
            pillars=pillars,
            statuses=options["status"],
            anonymise=options["anonymise"],
            enqueue=False,
        )
        try:
            services.build(export.pk)
        except Exception as error:
            services.fail(export.pk, f"{type(error).__name__}: {error}")
            raise CommandError(
                _("Export #%(pk)d ist fehlgeschlagen: %(error)s")
                % {"pk": export.pk, "error": error}
            ) from error
        export.refresh_from_db()
        if export.state != DossierExport.State.READY:
            raise CommandError(
                _("Export #%(pk)d wurde nicht fertig: %(state)s.")
                % {"pk": export.pk, "state": export.get_state_display()}
            )
        for fmt, name in export.files.items():
            source = storage.path_of(export.pk, name)
            if output is not None:
                shutil.copyfile(source, output / name)
                source = output / name
            self.stdout.write(f"{fmt}: {source}")
        self.stdout.write(self.style.SUCCESS(_("Export #%(pk)d ist fertig.") % {"pk": export.pk}))
