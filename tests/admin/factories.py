"""Factories for the admin tests: an open process, proposals and roadmap projects."""

from datetime import timedelta

import factory
from django.utils import timezone

from ideas.models import Proposal, RoadmapProject
from participation.models import Phase, Process
from tests.factories import PillarFactory, UserFactory


class ProcessFactory(factory.django.DjangoModelFactory):
    """A public process whose one phase runs now and allows submitting, rating and commenting."""

    class Meta:
        model = Process
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Digitalstrategie {n}")
    slug = factory.Sequence(lambda n: f"digitalstrategie-{n}")

    @factory.post_generation
    def open_phase(self, create, extracted, **kwargs):
        if create and extracted is not False:
            now = timezone.now()
            Phase.objects.create(
                process=self,
                name="Ideensammlung",
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=1),
                allows_submit=True,
                allows_rate=True,
                allows_comment=True,
            )


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    reference = factory.Sequence(lambda n: f"VS-2019-{n + 1:04d}")
    process = factory.SubFactory(ProcessFactory)
    pillar = factory.SubFactory(PillarFactory)
    title = factory.Sequence(lambda n: f"Vorschlag {n}")
    summary = "Freies WLAN in allen Ortsteilen."
    text = "Ausführliche Beschreibung des Vorschlags."
    author = factory.SubFactory(UserFactory)
    rating_score = 3.0


class RoadmapProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapProject

    title = factory.Sequence(lambda n: f"Projekt {n}")
    slug = factory.Sequence(lambda n: f"projekt-{n}")
    description = "Was die Stadt umsetzt."
    pillar = factory.SubFactory(PillarFactory)
