"""`?next=` (and every other "go back to" parameter) never leads off the site.

Each view that follows a `next` gets the usual tricks — an absolute URL, a scheme-relative one,
backslashes that browsers read as slashes, a scheme without slashes, `javascript:`, control
characters that browsers strip — in the query string and in the form. Whatever it answers, a
Location header must land on this site as a browser would resolve it.
"""

import html
import re
from datetime import timedelta
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client
from django.utils import timezone

from servicecenter import booking
from tests.browser.totp import current_code, with_totp
from tests.factories import PASSWORD, UserFactory
from tests.servicecenter.booking_support import at, make_stop
from tests.servicecenter.conftest import make_agent
from tests.staff_clients import with_mfa

pytestmark = pytest.mark.django_db

HOST = "testserver"
OFF_SITE = [
    "https://evil.example",
    "http://evil.example/accounts/login/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://testserver@evil.example/",
    "http://evil.example\\@testserver/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def resolve(location: str, base: str = f"http://{HOST}/"):
    """Where a browser goes with this URL (WHATWG rules, on the safe side): it drops tabs, line
    breaks and surrounding spaces and control characters, reads backslashes as slashes in
    http(s) URLs, and skips any run of slashes before the host."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(33))))
    cleaned = cleaned.replace("\\", "/")
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$", cleaned, re.S)
    if scheme and scheme.group(1).lower() in {"http", "https"}:
        cleaned = f"{scheme.group(1)}://{scheme.group(2).lstrip('/')}"
    elif cleaned.startswith("//"):
        cleaned = "//" + cleaned.lstrip("/")
    return urlsplit(urljoin(base, cleaned))


def lands_on_site(location: str) -> bool:
    target = resolve(location)
    return target.scheme in {"http", "https"} and target.hostname == HOST


def test_the_check_itself_catches_each_trick():
    """The helper must see every entry of OFF_SITE as off-site, and local paths as local."""
    assert not any(lands_on_site(url) for url in OFF_SITE)
    local = ["/", "/konto/", "?a=1", "konto/", f"http://{HOST}/x", f"https:///{HOST}/x"]
    assert all(lands_on_site(url) for url in local)


def assert_stays(response, *, allowed=(200, 302, 303, 400)) -> None:
    assert response.status_code in allowed, response.status_code
    location = response.get("Location")
    if location is not None:
        assert lands_on_site(location), location
    # No page may turn the value into a link, a form target or a refresh ("continue here").
    content = response.content.decode(errors="replace")
    for value in re.findall(r'(?:href|action|formaction|content)="([^"]*)"', content):
        target = resolve(html.unescape(value).removeprefix("0;url=").removeprefix("0; url="))
        assert target.hostname != "evil.example", value
        assert target.scheme.lower() not in {"javascript", "data"}, value


def with_next(path: str, target: str, **params) -> str:
    return f"{path}?{urlencode({**params, 'next': target})}"


@pytest.fixture
def citizen():
    return UserFactory()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Login, logout, sign-up ---------------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_login(target, citizen):
    client = Client()
    assert_stays(client.get(with_next("/accounts/login/", target)))
    response = client.post(
        with_next("/accounts/login/", target), {"login": citizen.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert_stays(response)
    assert response["Location"] == "/"
    # And with `next` in the form rather than the address.
    response = Client().post(
        "/accounts/login/", {"login": citizen.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_with_a_second_factor(target):
    staff = UserFactory(is_staff=True)
    secret = with_totp(staff)
    client = Client()
    response = client.post(
        with_next("/accounts/login/", target), {"login": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert_stays(client.get(response["Location"]))
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert_stays(response)
    assert response["Location"] == "/"


def test_a_local_next_is_still_followed(citizen):
    """The checks must not break the normal case."""
    response = Client().post(
        with_next("/accounts/login/", "/konto/postfach/"),
        {"login": citizen.email, "password": PASSWORD},
    )
    assert response["Location"] == "/konto/postfach/"
    response = Client().get(with_next("/sprache/", "/vorschlaege/?seite=2", language="en"))
    assert response["Location"] == "/vorschlaege/?seite=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logout(target, citizen):
    client = logged_in(citizen)
    assert_stays(client.get(with_next("/accounts/logout/", target)))
    response = client.post(with_next("/accounts/logout/", target), {"next": target})
    assert response.status_code == 302
    assert_stays(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_up_and_e_mail_confirmation(target, django_capture_on_commit_callbacks):
    client = Client()
    assert_stays(client.get(with_next("/accounts/signup/", target)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            with_next("/accounts/signup/", target),
            {
                "email": "neu@example.org",
                "display_name": "Neu in Lohmar",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "next": target,
            },
        )
    assert response.status_code == 302
    assert_stays(response)
    address = EmailAddress.objects.get(email="neu@example.org")
    key = EmailConfirmationHMAC(address).key
    response = client.post(with_next(f"/accounts/confirm-email/{key}/", target), {"next": target})
    assert response.status_code == 302
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_password_reset(target, citizen):
    client = Client()
    assert_stays(client.get(with_next("/accounts/password/reset/", target)))
    response = client.post(
        with_next("/accounts/password/reset/", target), {"email": citizen.email, "next": target}
    )
    assert response.status_code == 302
    assert_stays(response)


# --- The account: language, password, e-mail, reauthentication, two factors ---------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch(target):
    response = Client().get(with_next("/sprache/", target, language="en"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = Client().post("/sprache/", {"language": "de", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_password_change_and_e_mail_pages(target, citizen):
    client = logged_in(citizen)
    for path in ["/accounts/password/change/", "/accounts/email/", "/konto/", "/konto/daten/"]:
        assert_stays(client.get(with_next(path, target)))
    response = client.post(
        with_next("/accounts/password/change/", target),
        {
            "oldpassword": PASSWORD,
            "password1": "Ein-neues-Passwort-2026",
            "password2": "Ein-neues-Passwort-2026",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert_stays(response)
    response = client.post(
        with_next("/accounts/email/", target),
        {"action_add": "", "email": "zweite@example.org", "next": target},
    )
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_reauthentication(target, citizen):
    client = logged_in(citizen)
    assert_stays(client.get(with_next("/accounts/reauthenticate/", target)))
    response = client.post(
        with_next("/accounts/reauthenticate/", target), {"password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_two_factor_pages(target):
    staff = UserFactory(is_staff=True)
    secret = with_totp(staff)
    client = logged_in(staff)
    for path in [
        "/accounts/2fa/",
        "/accounts/2fa/reauthenticate/",
        "/accounts/2fa/totp/deactivate/",
    ]:
        assert_stays(client.get(with_next(path, target)))
    response = client.post(
        with_next("/accounts/2fa/reauthenticate/", target),
        {"code": current_code(secret), "next": target},
    )
    assert response.status_code == 302
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_setting_up_two_factors(target):
    staff = UserFactory(is_staff=True)
    client = logged_in(staff)
    response = client.get(with_next("/accounts/2fa/totp/activate/", target))
    assert_stays(response)


# --- The admin and the staff pages --------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_admin_login_and_logout(target):
    response = Client().get(with_next("/admin/login/", target))
    assert response.status_code == 302
    assert_stays(response)
    assert response["Location"].startswith("/accounts/login/")
    staff = with_mfa(UserFactory(is_staff=True, is_superuser=True))
    client = logged_in(staff)
    response = client.post(with_next("/admin/logout/", target), {"next": target})
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_staff_page_sends_strangers_to_the_login_with_a_local_next(target):
    response = Client().get(with_next("/service/arbeitsplatz/", target))
    assert response.status_code == 302
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_cancelling_an_appointment_in_the_day_view(target):
    day = timezone.localdate() + timedelta(days=7)
    stop = make_stop(day=day)
    appointment = booking.book(
        stop=stop, starts_at=at(day, "09:00"), name="Erika", email="erika@example.org"
    )
    client = logged_in(with_mfa(make_agent()))
    response = client.post(
        f"/service/arbeitsplatz/buergerbuero/termin/{appointment.pk}/absagen/",
        {"reason": "Krankheit", "next": target},
    )
    assert response.status_code == 302
    assert_stays(response)
    assert response["Location"] == f"/service/arbeitsplatz/buergerbuero/{day.isoformat()}/"
