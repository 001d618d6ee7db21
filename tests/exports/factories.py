"""Proposals with ratings and comments, written straight to the database, for export tests."""

from itertools import count

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from ideas.models import Proposal
from participation.models import Comment, Rating
from participation.services import recount
from tests.factories import DistrictFactory, StaffFactory, UserFactory
from tests.participation.factories import ProposalFactory, lohmar_2019_process

_numbers = count(1)


def rated_proposal(*, ratings=(), comments=(), **fields) -> Proposal:
    """A proposal with ratings (values) and comments (texts), its counters recounted."""
    proposal = ProposalFactory(**fields)
    ct = ContentType.objects.get_for_model(Proposal)
    for value in ratings:
        Rating.objects.create(
            content_type=ct, object_id=proposal.pk, user=UserFactory(), value=value
        )
    previous = None
    for text in comments:
        previous = Comment.objects.create(
            content_type=ct,
            object_id=proposal.pk,
            author=UserFactory(),
            text=text,
            parent=previous if previous and previous.parent_id is None else None,
        )
    recount(proposal)
    proposal.refresh_from_db()
    return proposal


def workshop_data():
    """Lohmar 2019 with three proposals in two pillars, ratings, comments and an answer."""
    process = lohmar_2019_process()
    district = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    best = rated_proposal(
        process=process,
        title="Freies WLAN im Rathaus",
        ratings=[5, 5, 5, 4, 4, 3],
        comments=["Sehr gute Idee!", "Dem stimme ich zu."],
        district=district,
        latitude=50.84,
        longitude=7.21,
        official_answer="Die Verwaltung prüft das WLAN bis Ende des Jahres.",
    )
    second = rated_proposal(
        process=process, pillar=best.pillar, title="Bürgerbüro online", ratings=[3, 2]
    )
    other = rated_proposal(process=process, title="Tablets für Schulen", ratings=[5])
    return process, [best, second, other]


def exporter(**kwargs):
    """Staff with the right to start and download exports and to moderate."""
    staff = StaffFactory(**kwargs)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="ideas",
            codename__in=[
                "add_dossierexport",
                "view_dossierexport",
                "change_dossierexport",
                "view_proposal",
            ],
        ),
        Permission.objects.get(content_type__app_label="participation", codename="moderate"),
    )
    return type(staff).objects.get(pk=staff.pk)
