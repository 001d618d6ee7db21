"""Open311 API keys: shown once, stored only as a hash, rotated, checked."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from defects.models import ApiClient, hash_token
from defects.open311.keys import authenticate, create_api_client, rotate_key

pytestmark = pytest.mark.django_db


def test_a_new_client_stores_only_the_hash_and_a_prefix():
    client, raw_key = create_api_client("Stadt-App", "app@example.org", 120)
    client.refresh_from_db()
    assert client.key_hash == hash_token(raw_key)
    assert client.key_prefix == raw_key[:8] and len(client.key_prefix) == 8
    assert client.requests_per_hour == 120 and client.contact_email == "app@example.org"
    assert raw_key not in {client.key_hash, client.name}
    assert len(raw_key) >= 40


def test_a_client_name_is_unique():
    create_api_client("Stadt-App", "", 60)
    with pytest.raises(ValidationError):
        create_api_client("Stadt-App", "", 60)
    assert ApiClient.objects.count() == 1


def test_the_key_authenticates_its_client_and_nothing_else():
    client, raw_key = create_api_client("Stadt-App", "", 60)
    assert authenticate(raw_key) == client
    assert authenticate(raw_key + "x") is None
    assert authenticate("") is None
    assert authenticate(None) is None


def test_a_deactivated_client_is_refused():
    client, raw_key = create_api_client("Stadt-App", "", 60)
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    assert authenticate(raw_key) is None


def test_rotating_retires_the_old_key():
    client, old_key = create_api_client("Stadt-App", "", 60)
    new_key = rotate_key(client)
    assert new_key != old_key
    assert authenticate(old_key) is None
    assert authenticate(new_key) == client
    client.refresh_from_db()
    assert client.key_prefix == new_key[:8]


def test_last_used_is_written_at_most_once_a_minute(django_assert_num_queries):
    client, raw_key = create_api_client("Stadt-App", "", 60)
    with django_assert_num_queries(2):  # read and stamp
        authenticate(raw_key)
    first = ApiClient.objects.get(pk=client.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # read only
        authenticate(raw_key)
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=first - timedelta(minutes=2))
    authenticate(raw_key)
    assert ApiClient.objects.get(pk=client.pk).last_used_at > timezone.now() - timedelta(seconds=5)
