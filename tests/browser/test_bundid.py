"""Login with the state account (BundID) against a real OpenID Connect provider on loopback.

The provider is django-oauth-toolkit (tests/oidc_provider), started as its own process with a
fresh RS256 key in a temporary folder. The portal is pytest-django's live server. The whole
journey runs in the browser: redirect, provider login and consent, code exchange with PKCE,
ID token checks by allauth, and the portal's account with the trust level.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import expect

from lohmar_portal.models import User
from lohmar_portal.settings import bundid_providers
from tests.browser.axe import assert_accessible
from tests.factories import UserFactory
from tests.network import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "buergerportal-test"
CLIENT_SECRET = "nur-fuer-tests-" + os.urandom(8).hex()
OP_USER, OP_PASSWORD, OP_EMAIL = "berta", "Bund-Passwort-2026", "berta@example.org"


@pytest.fixture(scope="module")
def oidc_provider(live_server, tmp_path_factory):
    """Run the test provider; yields its issuer URL ("http://127.0.0.1:<port>/o")."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "oidc.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_TEST_DIR": str(folder),
        "OIDC_TEST_PORT": str(port),
        "OIDC_TEST_USERNAME": OP_USER,
        "OIDC_TEST_PASSWORD": OP_PASSWORD,
        "OIDC_TEST_EMAIL": OP_EMAIL,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": f"{live_server.url}/accounts/oidc/bundid/login/callback/",
    }
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_provider.bootstrap"], env=env, cwd=ROOT, check=True
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("The test OIDC provider did not start.") from None
                time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bundid(settings, oidc_provider):
    """The portal configured for the provider, as the BUNDID_OIDC_* variables would do."""
    settings.SOCIALACCOUNT_PROVIDERS = bundid_providers(
        oidc_provider, CLIENT_ID, CLIENT_SECRET, ["openid", "email", "profile"], "BundID"
    )
    settings.BUNDID_TRUST_LEVEL_CLAIM = "vertrauensniveau"
    return oidc_provider


def log_in_at_the_provider(page):
    page.get_by_label("Username").fill(OP_USER)
    page.get_by_label("Password").fill(OP_PASSWORD)
    page.get_by_role("button", name="Beim Landeskonto anmelden").click()
    page.locator("input[name=allow]").click()  # django-oauth-toolkit's consent


def test_a_new_citizen_signs_in_with_bundid_and_sees_the_trust_level(page, bundid):
    page.goto("/accounts/oidc/bundid/login/")
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    log_in_at_the_provider(page)

    page.goto("/konto/")
    expect(page.get_by_role("heading", name="Mein Bürgerkonto")).to_be_visible()
    expect(page.get_by_text("substantiell")).to_be_visible()
    user = User.objects.get(email=OP_EMAIL)
    assert user.display_name.startswith("Bürgerin oder Bürger ")  # a pseudonym, not her name
    account = SocialAccount.objects.get(user=user, provider="bundid")
    assert account.extra_data["id_token"]["iss"] == bundid
    assert account.extra_data["id_token"]["aud"] == CLIENT_ID
    assert user.emailaddress_set.get(email=OP_EMAIL).verified


def test_a_verified_address_links_the_state_account_to_the_existing_buergerkonto(page, bundid):
    existing = UserFactory(email=OP_EMAIL, display_name="Berta aus Lohmar")
    page.goto("/accounts/oidc/bundid/login/")
    page.locator("main form button[type=submit]").click()
    log_in_at_the_provider(page)

    page.goto("/konto/")
    assert page.get_by_label("Öffentlicher Name").input_value() == "Berta aus Lohmar"
    assert SocialAccount.objects.get(provider="bundid").user == existing
    assert User.objects.filter(email__iexact=OP_EMAIL).count() == 1


def test_a_callback_with_a_wrong_state_is_refused_and_logs_nobody_in(page, bundid):
    page.goto("/accounts/oidc/bundid/login/callback/?code=gefaelscht&state=falsch")
    expect(page.get_by_role("heading", name="Anmeldung fehlgeschlagen")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("nichts geändert")
    assert_accessible(page)
    page.goto("/konto/")
    assert "/accounts/login/" in page.url
    assert not SocialAccount.objects.exists()


def test_a_callback_with_a_valid_state_but_a_forged_code_is_refused(page, bundid):
    """The ID token never passes through the browser in the code flow: the portal fetches it
    from the provider with the code. A forged code is refused by the provider, so nobody is
    logged in and nothing is stored."""
    page.goto("/accounts/oidc/bundid/login/")
    with page.expect_request(lambda request: "/o/authorize/" in request.url) as authorize:
        page.locator("main form button[type=submit]").click()
    state = parse_qs(urlparse(authorize.value.url).query)["state"][0]
    page.goto(f"/accounts/oidc/bundid/login/callback/?code=gefaelscht&state={state}")
    expect(page.get_by_role("heading", name="Anmeldung fehlgeschlagen")).to_be_visible()
    page.goto("/konto/")
    assert "/accounts/login/" in page.url
    assert not SocialAccount.objects.exists()
    assert not User.objects.filter(email=OP_EMAIL).exists()
