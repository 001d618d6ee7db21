"""Prepare the test provider: database, one person, the portal as a registered client."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", verbosity=0)
User.objects.create_user(
    username=os.environ["OIDC_TEST_USERNAME"],
    email=os.environ["OIDC_TEST_EMAIL"],
    password=os.environ["OIDC_TEST_PASSWORD"],
    first_name="Berta",
    last_name="Bundkonto",
)
Application.objects.create(
    name="Bürgerportal",
    client_id=os.environ["OIDC_TEST_CLIENT_ID"],
    client_secret=os.environ["OIDC_TEST_CLIENT_SECRET"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=os.environ["OIDC_TEST_REDIRECT_URI"],
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=False,
)
