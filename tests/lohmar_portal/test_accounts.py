"""Sign-up, verification, login and profile through allauth, as a citizen meets them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from lohmar_portal.models import User
from tests.factories import PASSWORD, DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    """Post the sign-up form; e-mails queued for after the commit are sent."""

    def post(**overrides):
        data = {
            "email": "anna@example.org",
            "display_name": "Anna aus Birk",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **overrides,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP, data)

    return post


def verification_link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_signup_creates_unverified_account_and_mails_a_link(client, signup):
    district = DistrictFactory(name="Birk", slug="birk")
    response = signup(district=district.pk)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="anna@example.org")
    assert (user.display_name, user.district, user.is_staff) == ("Anna aus Birk", district, False)
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.org"]
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in mail.outbox[0].subject


def test_unverified_account_cannot_log_in(client, signup):
    signup()
    response = client.post("/accounts/login/", {"login": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_verification_link_confirms_the_address_and_then_login_works(client, signup):
    signup()
    link = verification_link(mail.outbox[0])
    page = client.get(link)
    assert "anna@example.org" in page.content.decode()
    client.post(link)
    assert EmailAddress.objects.get(email="anna@example.org").verified
    response = client.post("/accounts/login/", {"login": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="anna@example.org").pk)


def test_wrong_verification_link_is_explained_and_changes_nothing(client, signup):
    signup()
    response = client.get("/accounts/confirm-email/falscher-schluessel/")
    assert response.status_code == 404
    assert "abgelaufen oder ungültig" in response.content.decode()
    client.post("/accounts/confirm-email/falscher-schluessel/")
    assert not EmailAddress.objects.get(email="anna@example.org").verified


def test_weak_password_is_refused_in_german_and_creates_nothing(client, signup):
    response = signup(password1="12345678", password2="12345678")
    assert response.status_code == 200
    assert "Dieses Passwort ist zu kurz" in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_taken_email_creates_no_second_account_and_tells_the_owner(client, signup):
    owner = UserFactory(email="anna@example.org")
    response = signup(display_name="Jemand anderes")
    # The same answer as a fresh sign-up, so nobody learns who has an account ...
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == 1
    assert not User.objects.filter(display_name="Jemand anderes").exists()
    # ... and the owner of the address is told, in German.
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Konto existiert bereits" in mail.outbox[0].subject
    notice = client.get("/accounts/confirm-email/").content.decode()
    assert "Falls für diese Adresse schon ein Konto besteht" in notice


def test_taken_display_name_is_refused_with_a_german_message(client, signup):
    UserFactory(display_name="Anna aus Birk")
    response = signup(display_name="anna aus birk")
    assert response.status_code == 200
    assert "Dieser öffentliche Name ist schon vergeben" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_form_errors_are_linked_to_their_fields(client, signup):
    response = signup(email="keine-adresse")
    html = response.content.decode()
    assert 'href="#id_email"' in html  # the error summary links to the field
    assert 'aria-describedby="id_email_error"' in html or 'id_email_error"' in html
    assert 'aria-invalid="true"' in html


def test_logout(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_profile_shows_and_saves_display_name_real_name_and_district(client):
    user = UserFactory(display_name="Alt", real_name="Erika Mustermann")
    district = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    client.force_login(user)
    page = client.get("/konto/").content.decode()
    assert "Erika Mustermann" in page  # the owner sees the private name
    response = client.post(
        "/konto/", {"display_name": "Neu", "real_name": "Erika M.", "district": district.pk}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.real_name, user.district) == ("Neu", "Erika M.", district)


def test_profile_refuses_a_taken_display_name_and_keeps_the_old_one(client):
    UserFactory(display_name="Vergeben")
    user = UserFactory(display_name="Meiner")
    client.force_login(user)
    response = client.post("/konto/", {"display_name": "vergeben", "real_name": ""})
    assert response.status_code == 400
    assert "schon vergeben" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Meiner"


def test_profile_needs_login(client):
    response = client.get("/konto/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_real_name_never_appears_on_public_pages(client):
    user = UserFactory(display_name="Öffentlich", real_name="Geheimer Klarname")
    client.force_login(user)
    for url in ["/", "/strategie/", "/accounts/email/"]:
        assert "Geheimer Klarname" not in client.get(url).content.decode()


def test_signup_is_rate_limited(client, settings, signup):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for n in range(2):
        signup(email=f"person{n}@example.org", display_name=f"Person {n}")
    response = signup(email="person9@example.org", display_name="Person 9")
    assert response.status_code == 429
    assert not User.objects.filter(email="person9@example.org").exists()


def test_password_reset_by_mailed_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="bernd@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "bernd@example.org"})
    assert [m.to for m in mail.outbox] == [["bernd@example.org"]]
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    new_password = "Neues-Passwort-für-Lohmar-7"
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


def test_password_change_needs_the_current_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "falsch",
            "password1": "Neu-und-lang-2026",
            "password2": "Neu-und-lang-2026",
        },
    )
    assert response.status_code == 200
    assert "Bitte geben Sie Ihr aktuelles Passwort ein." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_email_change_waits_for_verification_of_the_new_address(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="alt@example.org")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/email/", {"action_add": "", "email": "neu@example.org"})
    user.refresh_from_db()
    assert user.email == "alt@example.org"  # unchanged until the new address is confirmed
    assert [m.to for m in mail.outbox] == [["neu@example.org"]]
    client.post(verification_link(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email == "neu@example.org"
