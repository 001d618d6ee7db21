"""Factories for processes, phases and proposals, shared by the participation and ideas tests."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from ideas.models import Proposal
from lohmar_portal.services import next_reference
from participation.models import Phase, Process
from participation.services import RATING_PRIOR_MEAN
from tests.factories import PillarFactory, StaffFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    """A moment in the city's time zone, e.g. berlin(2019, 10, 13, 23, 59)."""
    return datetime(*args, tzinfo=BERLIN)


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    title = factory.Sequence(lambda n: f"Beteiligungsverfahren {n}")
    slug = factory.Sequence(lambda n: f"verfahren-{n}")
    description = "Wie soll Lohmar digitaler werden?"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    process = factory.SubFactory(ProcessFactory)
    name = "Ideensammlung"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    allows_submit = True
    allows_rate = True
    allows_comment = True


def open_process(**kwargs) -> Process:
    """A process whose idea phase (submit, rate, comment) runs now."""
    process = ProcessFactory(**kwargs)
    PhaseFactory(process=process)
    return process


def lohmar_2019_process() -> Process:
    """The Lohmar 2019 process: idea collection → workshop → council → implementation."""
    process = ProcessFactory(title="Digitalstrategie Lohmar 2019", slug="lohmar-2019")
    PhaseFactory(
        process=process,
        name="Ideensammlung",
        kind=Phase.Kind.COLLECTION,
        starts_at=berlin(2019, 8, 19),
        ends_at=berlin(2019, 10, 14),
    )
    for name, kind, start, end in [
        ("Workshop", Phase.Kind.WORKSHOP, berlin(2019, 11, 4), berlin(2019, 11, 5)),
        ("Ratssitzung", Phase.Kind.COUNCIL, berlin(2019, 12, 11), berlin(2019, 12, 12)),
        ("Umsetzung", Phase.Kind.IMPLEMENTATION, berlin(2020, 1, 1), berlin(2020, 12, 31)),
    ]:
        PhaseFactory(
            process=process,
            name=name,
            kind=kind,
            starts_at=start,
            ends_at=end,
            allows_submit=False,
            allows_rate=False,
            allows_comment=False,
        )
    return process


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal written straight to the database (the services have their own tests)."""

    class Meta:
        model = Proposal

    reference = factory.LazyFunction(lambda: next_reference("VS"))
    process = factory.LazyFunction(open_process)
    pillar = factory.SubFactory(PillarFactory)
    title = factory.Sequence(lambda n: f"Vorschlag {n}: Freies WLAN am Rathaus")
    summary = "Öffentliches WLAN rund um das Rathaus und die Bibliothek."
    text = "Ein offenes WLAN hilft Besucherinnen und Besuchern der Innenstadt."
    author = factory.SubFactory("tests.factories.UserFactory")
    rating_score = RATING_PRIOR_MEAN


def make_moderator(**kwargs):
    """A staff member with the permission `participation.moderate` (fresh, so no perm cache)."""
    staff = StaffFactory(**kwargs)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="participation", codename="moderate")
    )
    return type(staff).objects.get(pk=staff.pk)
