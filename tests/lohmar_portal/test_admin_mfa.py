"""The admin opens only to staff who logged in through allauth with a second factor."""

import time

import pytest
from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def test_anonymous_visitors_are_sent_to_allauths_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"


def test_staff_without_mfa_must_set_it_up_first(client):
    client.force_login(StaffFactory())
    response = client.get("/admin/", follow=True)
    # Set-up asks for the password once more (allauth's re-authentication), then shows the QR code.
    assert ("/accounts/2fa/totp/activate/", 302) in response.redirect_chain
    assert "ist die Zwei-Faktor-Authentifizierung vorgeschrieben" in response.content.decode()


def test_citizens_never_enter_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "keinen Zugang zum Verwaltungsbereich" in response.content.decode()


def test_staff_log_in_with_password_and_totp_code_and_reach_the_admin(client):
    staff = StaffFactory(email="sachbearbeitung@lohmar.de")
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    response = client.post(
        "/accounts/login/", {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone is not enough

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_url_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
