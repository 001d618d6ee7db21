"""Staff who pass the two-factor gate of the admin and the staff pages, and logged-in clients."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client


def with_mfa(user):
    """The staff pages demand two factors, as the admin does."""
    TOTP.activate(user, generate_totp_secret())
    return user


def client_for(user) -> Client:
    """A test client logged in as the user; anonymous for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
