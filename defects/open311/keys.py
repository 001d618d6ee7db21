"""API keys of Open311 clients: created and rotated here, checked on every POST.

A key is shown once, when it is made; the database keeps only its SHA-256 (`hash_token`) and its
first eight characters, so staff can tell keys apart without being able to use them.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import ApiClient, hash_token

PREFIX_LENGTH = 8
# Writing last_used_at on every request would make each POST a write on the client's row too.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _set_key(client: ApiClient, raw_key: str) -> None:
    client.key_prefix = raw_key[:PREFIX_LENGTH]
    client.key_hash = hash_token(raw_key)


@transaction.atomic
def create_api_client(
    name: str, contact_email: str = "", requests_per_hour: int = 60
) -> tuple[ApiClient, str]:
    """Register an Open311 client; returns it and its key (shown once, never stored)."""
    raw_key = _new_key()
    client = ApiClient(
        name=name.strip(), contact_email=contact_email.strip(), requests_per_hour=requests_per_hour
    )
    _set_key(client, raw_key)
    client.full_clean()
    client.save()
    return client, raw_key


@transaction.atomic
def rotate_key(client: ApiClient) -> str:
    """Give the client a new key; the old one stops working at once."""
    raw_key = _new_key()
    _set_key(client, raw_key)
    client.save(update_fields=["key_prefix", "key_hash"])
    return raw_key


def authenticate(raw_key: str | None) -> ApiClient | None:
    """The active client this key belongs to, or None (unknown, empty or deactivated)."""
    if not raw_key:
        return None
    client = ApiClient.objects.filter(key_hash=hash_token(raw_key), is_active=True).first()
    if client is None:
        return None
    now = timezone.now()
    if client.last_used_at is None or client.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
