import factory
from allauth.account.models import EmailAddress

from ideas.models import Pillar, Vision
from lohmar_portal.models import Department, District, User

PASSWORD = "Lohmar-Test-2026!"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Ortsteil {n}")
    slug = factory.Sequence(lambda n: f"ortsteil-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Fachbereich {n}")
    slug = factory.Sequence(lambda n: f"fachbereich-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A citizen with a verified e-mail address who can log in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"buerger{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Bürger {n}")
    real_name = factory.Faker("name", locale="de_DE")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True


class VisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vision

    title = "Digitales Lohmar 2025"
    motto = "Lohmar | Digital | Für Alle"
    statement = "Lohmar ist heute wie zukünftig die Stadt der Generationen."
    horizon = 2025
    is_published = True


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    vision = factory.SubFactory(VisionFactory)
    title = factory.Sequence(lambda n: f"Schwerpunkt {n}")
    slug = factory.Sequence(lambda n: f"schwerpunkt-{n}")
    slogan = "Durch die Digitalisierung machen wir die Dienstleistungen einfacher."
    text = "Ausführliche Beschreibung des Schwerpunkts."
    order = factory.Sequence(lambda n: n)
