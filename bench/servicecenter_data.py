"""Fill a PostgreSQL database with benchmark tickets for the agents' queue and the postbox.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lohmar_bench \\
        .venv/bin/python bench/servicecenter_data.py [--tickets 100000] [--messages 500000]

Needs the bench users of bench/ideas_data.py (the citizens). Writes an agent of the service
center (`agent@bench-service.invalid`, TOTP enabled, permission to work every ticket), a member of
staff of a department (`fachbereich@bench-service.invalid`), the tickets — spread over two years,
all channels, 60 % from bench citizens' accounts (`bench-1@bench.invalid` has 300 of them, for a
full postbox), about 12 % still open with service-level due times, some of them late — and their
messages (citizen, answers, internal notes) and a history entry each, all with `COPY` in one
transaction. `--replace` removes the tickets of an earlier run first.
"""

import argparse
import sys
import time
from datetime import timedelta

from ideas_data import (
    EMAIL_DOMAIN,
    PASSWORD,
    BaseGenerator,
    setup_django,
    spread,
    step,
    weighted_picker,
)
from psycopg import sql

STAFF_DOMAIN = "bench-service.invalid"
AGENT_EMAIL = f"agent@{STAFF_DOMAIN}"
DEPARTMENT_STAFF_EMAIL = f"fachbereich@{STAFF_DOMAIN}"
POWER_CITIZEN = f"bench-1@{EMAIL_DOMAIN}"
REFERENCE_PREFIX = "SC-B"  # bench references never collide with real SC-YYYY-NNNNNN ones
STATUSES = [
    ("new", 0.03),
    ("open", 0.04),
    ("waiting_for_citizen", 0.02),
    ("forwarded", 0.03),
    ("resolved", 0.30),
    ("closed", 0.58),
]
CHANNELS = [
    ("web", 0.35),
    ("email", 0.30),
    ("phone", 0.25),
    ("walk_in", 0.05),
    ("chat", 0.03),
    ("mobile_office", 0.02),
]
SUBJECTS = [
    "Ummeldung nach Umzug",
    "Frage zum Personalausweis",
    "Sperrmüll abholen lassen",
    "Bauantrag: welche Unterlagen?",
    "Geburtsurkunde beantragen",
    "Anwohnerparkausweis",
    "Hundesteuer anmelden",
    "Kita-Platz: Stand der Anmeldung",
]
TEXTS = [
    "Guten Tag, ich bin vor zwei Wochen umgezogen und möchte wissen, was ich tun muss.",
    "Können Sie mir bitte sagen, welche Unterlagen ich mitbringen muss?",
    "Vielen Dank für die schnelle Antwort, das hat mir geholfen.",
    "Ich habe die Unterlagen eingereicht und warte noch auf eine Rückmeldung.",
    "Bitte rufen Sie mich zurück, am besten vormittags.",
]
REMOVE = [
    sql.SQL("DELETE FROM {} WHERE ticket_id IN {}").format(
        sql.Identifier(table),
        sql.SQL("(SELECT id FROM servicecenter_ticket WHERE reference LIKE %(pattern)s)"),
    )
    for table in ("servicecenter_ticketevent", "servicecenter_message")
] + [sql.SQL("DELETE FROM servicecenter_ticket WHERE reference LIKE %(pattern)s")]


class Generator(BaseGenerator):
    def remove_previous(self) -> None:
        with self.raw() as cursor:
            for statement in REMOVE:
                cursor.execute(statement, {"pattern": f"{REFERENCE_PREFIX}-%"})

    def staff(self) -> None:
        """The agent and the department's member of staff, both with TOTP (staff pages)."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.contrib.auth.models import Permission

        from lohmar_portal.models import Department, User

        self.departments = list(Department.objects.values_list("pk", flat=True))
        if not self.departments:
            sys.exit("No departments: run `manage.py load_demo` or bench/defects_data.py first.")
        self.department = self.departments[0]
        permission = Permission.objects.get(codename="work_first_level")
        for email, name in ((AGENT_EMAIL, "Bench-Agentin"), (DEPARTMENT_STAFF_EMAIL, "Bench-FB")):
            user, _ = User.objects.update_or_create(
                email=email,
                defaults={
                    "display_name": name,
                    "is_staff": True,
                    "department_id": self.department if email != AGENT_EMAIL else None,
                },
            )
            user.set_password(PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, generate_totp_secret())
        self.agent = User.objects.get(email=AGENT_EMAIL)
        self.agent.user_permissions.add(permission)
        self.citizens = list(
            User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not self.citizens:
            sys.exit("No bench citizens: run bench/ideas_data.py first.")
        self.power_citizen = User.objects.get(email=POWER_CITIZEN).pk

    def tickets(self) -> None:
        count = self.args.tickets
        created = sorted(
            self.now - timedelta(days=730) * self.chance.random() for _ in range(count)
        )
        statuses, status_shares = zip(*STATUSES, strict=True)
        channels, channel_shares = zip(*CHANNELS, strict=True)
        pick_status = weighted_picker(list(status_shares), self.chance)
        pick_channel = weighted_picker(list(channel_shares), self.chance)
        first = self.next_id("servicecenter_ticket")
        self.ticket_ids = list(range(first, first + count))
        self.ticket_meta = []  # (id, created, citizen, status)
        power_left = 300

        def rows():
            nonlocal power_left
            for n, (pk, when) in enumerate(zip(self.ticket_ids, created, strict=True), start=1):
                status = statuses[pick_status()]
                channel = channels[pick_channel()]
                if status in {"new", "open", "waiting_for_citizen", "forwarded"}:
                    # Open tickets are recent; their due times spread around now (some late).
                    when = self.now - timedelta(hours=self.chance.uniform(0.5, 120))
                citizen = None
                if channel == "web" or self.chance.random() < 0.35:
                    if power_left and self.chance.random() < 0.01:
                        citizen, power_left = self.power_citizen, power_left - 1
                    else:
                        citizen = self.chance.choice(self.citizens)
                done = status in {"resolved", "closed"}
                answered = (
                    done
                    or status in {"waiting_for_citizen", "forwarded"}
                    or (status == "open" and self.chance.random() < 0.5)
                )
                first_response = when + timedelta(hours=self.chance.uniform(0.2, 10))
                resolved = when + timedelta(hours=self.chance.uniform(1, 90)) if done else None
                forwarded = status == "forwarded" or (done and self.chance.random() < 0.3)
                first_contact = done and not forwarded and self.chance.random() < 0.75
                self.ticket_meta.append((pk, when, citizen, status))
                yield (
                    pk,
                    f"{REFERENCE_PREFIX}-{n:07d}",
                    channel,
                    "" if citizen else f"Bench Kontakt {n}",
                    "" if citizen else f"kontakt-{n}@{STAFF_DOMAIN}",
                    "" if citizen or channel != "phone" else "02246 0000",
                    "" if citizen else f"{n:032x}",
                    self.chance.choice(SUBJECTS),
                    self.chance.choice(["low", "normal", "normal", "normal", "high", "urgent"]),
                    status,
                    "Fachliche Prüfung nötig." if forwarded else "",
                    when + timedelta(hours=4),
                    when + timedelta(hours=30),
                    first_response if answered else None,
                    self.now - timedelta(hours=2) if status == "waiting_for_citizen" else None,
                    None,
                    forwarded,
                    first_contact,
                    resolved,
                    when,
                    resolved or when,
                    resolved or first_response if answered else when,
                    self.chance.randint(0, 2) if citizen and answered else 0,
                    self.agent.pk if status != "new" else None,
                    citizen,
                    self.chance.choice(self.departments) if status == "forwarded" else None,
                    self.agent.pk if channel in {"phone", "walk_in", "chat"} else None,
                    None,
                )

        self.copy(
            "servicecenter_ticket",
            [
                "id",
                "reference",
                "channel",
                "contact_name",
                "contact_email",
                "contact_phone",
                "access_nonce",
                "subject",
                "priority",
                "status",
                "forward_reason",
                "first_response_due",
                "resolution_due",
                "first_response_at",
                "waiting_since",
                "escalated_at",
                "was_forwarded",
                "resolved_at_first_contact",
                "resolved_at",
                "created_at",
                "updated_at",
                "last_message_at",
                "citizen_unread",
                "agent_id",
                "citizen_id",
                "department_id",
                "entered_by_id",
                "life_situation_id",
            ],
            rows(),
        )

    def messages(self) -> None:
        """At least one message per ticket; the rest spread with a long tail (≤ 60 a ticket)."""
        total = max(self.args.messages, len(self.ticket_meta))
        weights = [self.chance.paretovariate(1.3) for _ in self.ticket_meta]
        counts = [1 + n for n in spread(total - len(weights), weights, 59, self.chance)]
        first = self.next_id("servicecenter_message")
        self.message_count = 0

        def rows():
            pk = first
            for (ticket, when, citizen, _status), count in zip(
                self.ticket_meta, counts, strict=True
            ):
                for k in range(count):
                    kind = "from_citizen" if k % 2 == 0 else ("to_citizen" if k % 5 else "internal")
                    author = citizen if kind == "from_citizen" else self.agent.pk
                    yield (
                        pk,
                        kind,
                        self.chance.choice(TEXTS),
                        "web",
                        "",
                        when + timedelta(minutes=37 * k),
                        when + timedelta(minutes=37 * k + 60) if kind == "to_citizen" else None,
                        None,
                        author,
                        ticket,
                    )
                    pk += 1
            self.message_count = pk - first

        self.copy(
            "servicecenter_message",
            [
                "id",
                "kind",
                "text",
                "channel",
                "email_message_id",
                "created_at",
                "read_at",
                "article_id",
                "author_id",
                "ticket_id",
            ],
            rows(),
        )

    def history(self) -> None:
        first = self.next_id("servicecenter_ticketevent")
        self.copy(
            "servicecenter_ticketevent",
            ["id", "kind", "detail", "created_at", "actor_id", "ticket_id"],
            (
                (first + n, "created", "", when, None, ticket)
                for n, (ticket, when, _citizen, _status) in enumerate(self.ticket_meta)
            ),
        )

    def run(self) -> None:
        from django.db import transaction

        total = time.perf_counter()
        with transaction.atomic():
            if self.args.replace:
                with step("remove earlier bench tickets", self.timings):
                    self.remove_previous()
            with step("staff", self.timings):
                self.staff()
            with step(f"{self.args.tickets} tickets", self.timings):
                self.tickets()
            with step("messages", self.timings):
                self.messages()
            with step("history", self.timings):
                self.history()
        with step("ANALYZE", self.timings), self.raw() as cursor:
            cursor.execute(
                "ANALYZE servicecenter_ticket, servicecenter_message, servicecenter_ticketevent"
            )
        print(f"\ntotal {time.perf_counter() - total:.1f} s, {self.message_count} messages")
        print(
            f"Agent: {AGENT_EMAIL}, department staff: {DEPARTMENT_STAFF_EMAIL}, a full postbox: "
            f"{POWER_CITIZEN}; password {PASSWORD!r}."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=2019, help="same seed, same data")
    parser.add_argument("--replace", action="store_true", help="remove earlier bench tickets")
    args = parser.parse_args()
    if args.tickets < 1 or args.messages < 0:
        parser.error("need at least one ticket; counts cannot be negative")
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/servicecenter_data.py needs PostgreSQL: set DATABASE_URL.")
    print(f"database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}")
    Generator(args, connection).run()


if __name__ == "__main__":
    main()
