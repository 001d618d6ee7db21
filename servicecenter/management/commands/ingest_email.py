"""`manage.py ingest_email < message.eml`: one inbound e-mail from an MTA pipe.

Postfix, e.g. in aliases: `service: "|/srv/portal/.venv/bin/python /srv/portal/manage.py
ingest_email"`. Exit status 0: taken (a new ticket or a reply); 75 (EX_TEMPFAIL): not taken
this time, the MTA keeps the message and delivers it again — so no e-mail is ever lost.
"""

import sys

from django.core.management.base import BaseCommand

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read one RFC 822 e-mail on standard input and file it as a ticket or a reply."

    def handle(self, *args, **options) -> None:
        from servicecenter.inbound import ingest

        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("ingest_email: empty input, nothing to file.")
            sys.exit(EX_TEMPFAIL)
        try:
            result = ingest(raw)
        except Exception as error:  # the MTA retries; the message stays in its queue
            self.stderr.write(f"ingest_email: not filed, will be retried: {error!r}")
            sys.exit(EX_TEMPFAIL)
        what = "new ticket" if result.created else "reply to"
        self.stdout.write(f"{what} {result.ticket.reference}")
        for line in result.refused:
            self.stdout.write(f"attachment refused: {line}")
