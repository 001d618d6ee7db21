"""Authentication backends that keep the signed-in person's account in the cache.

Every logged-in request loads its user; the account changes seldom (a login, a new password,
a deactivation), so it is kept per person until the account row is saved or deleted
(`lohmar_portal/apps.py` bumps the version then, at once and after the commit). Django still
checks the session against the password on every request, so a password changed in one
session ends the others at their next request, as before. Groups and permissions are not kept:
they are read when a request asks for them.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends

from .cache import versioned_read


def account_version(user_id) -> str:
    return f"account-version:{user_id}"


class CachedAccountMixin:
    def get_user(self, user_id):
        return versioned_read(
            account_version(user_id),
            f"account:{user_id}",
            compute=lambda: super(CachedAccountMixin, self).get_user(user_id),
        )


class ModelBackend(CachedAccountMixin, backends.ModelBackend):
    """Django's backend (e-mail and password, as the admin login asks)."""


class AccountBackend(CachedAccountMixin, allauth_backends.AuthenticationBackend):
    """allauth's backend (the portal's login, sign-up, social logins)."""
