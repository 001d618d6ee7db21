import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lohmar_portal import services
from tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_update_profile_changes_the_persons_own_profile():
    user = UserFactory()
    district = DistrictFactory()
    services.update_profile(
        actor=user, user=user, display_name="Neu", real_name="Max M.", district=district
    )
    user.refresh_from_db()
    assert (user.display_name, user.real_name, user.district) == ("Neu", "Max M.", district)


def test_nobody_changes_someone_elses_profile():
    user, other = UserFactory(display_name="Original"), UserFactory()
    with pytest.raises(PermissionDenied):
        services.update_profile(
            actor=other, user=user, display_name="Gekapert", real_name="", district=None
        )
    user.refresh_from_db()
    assert user.display_name == "Original"


def test_display_name_must_not_be_empty():
    user = UserFactory(display_name="Original")
    with pytest.raises(ValidationError):
        services.update_profile(actor=user, user=user, display_name="", real_name="", district=None)
    user.refresh_from_db()
    assert user.display_name == "Original"
