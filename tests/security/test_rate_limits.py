"""Rate limits on every way in that writes: login, sign-up, password reset, proposals, comments,
reports to the moderators, defect reports, "Ich auch", tickets, answers by link, bookings, the
accessibility feedback and Open311 POST.

For each: requests under the limit work, the next one gets 429 with a German message (and,
where the portal counts itself, a Retry-After), nothing more is saved, and another person or
address is not affected. allauth's limits answer with the portal's German 429 page.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from defects.models import DefectReport, Support
from defects.open311.keys import create_api_client
from ideas.models import Proposal
from participation import services as participation
from participation.models import Comment, Flag
from servicecenter import services as sc_services
from servicecenter.models import Appointment, Channel, Ticket
from tests.browser.totp import current_code, with_totp
from tests.defects.conftest import IN_LOHMAR, make_category, make_report
from tests.factories import PASSWORD, PillarFactory, UserFactory
from tests.ideas.conftest import make_process, make_proposal
from tests.participation.factories import make_moderator
from tests.servicecenter.booking_support import at, make_stop, slot_key

pytestmark = pytest.mark.django_db

OTHER_ADDRESS = "192.0.2.77"


def text(response) -> str:
    """The answer as a reader sees it: runs of whitespace as one space."""
    return " ".join(response.content.decode().split())


def assert_refused(response, *german: str, retry_after: bool = True) -> None:
    """429 with the German message (the page is German) and, where we count, Retry-After."""
    assert response.status_code == 429, response.status_code
    content = text(response)
    for fragment in german:
        assert fragment in content, content[:2000]
    if response["Content-Type"].startswith("text/html"):
        assert '<html lang="de"' in content
    if retry_after:
        assert int(response["Retry-After"]) > 0


def limits(settings, **rates) -> None:
    """allauth's limits, lowered for a test (allauth reads them at each request)."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}


# --- allauth: login, sign-up, password reset ---------------------------------------------------

ALLAUTH_429 = "Zu viele Anfragen"


def login(email: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"login": email, "password": password}
    )


def test_logins_from_one_address_are_limited(settings):
    limits(settings, login="2/m/ip")
    user = UserFactory()
    for _ in range(2):
        assert login(user.email).status_code == 302
    response = login(user.email)
    assert_refused(response, ALLAUTH_429, "versuchen Sie es dann noch einmal", retry_after=False)
    assert "_auth_user_id" not in response.wsgi_request.session
    # Another address logs in.
    assert login(user.email, address=OTHER_ADDRESS).status_code == 302


def test_failed_logins_lock_the_account_for_a_while_but_not_others(settings):
    limits(settings, login_failed="10/m/ip,2/5m/key")
    target, other = UserFactory(), UserFactory()
    for _ in range(2):
        response = login(target.email, "falsch-geraten")
        assert response.status_code == 200
        assert "_auth_user_id" not in response.wsgi_request.session
    # Now even the right password is refused for this account: 429, the form with a German
    # message, and when to try again (the longest window of the lock).
    response = login(target.email)
    assert_refused(response, "Zu viele fehlgeschlagene Anmeldeversuche")
    assert response["Retry-After"] == "300"
    assert 'name="password"' in text(response)
    assert "_auth_user_id" not in response.wsgi_request.session
    # Another account from the same address is not locked out.
    assert login(other.email).status_code == 302


def test_second_factor_codes_cannot_be_guessed(settings):
    """Six digits are quickly tried: wrong codes lock the code step of the account too."""
    limits(settings, login_failed="10/m/ip,2/5m/key")
    staff = UserFactory(is_staff=True)
    secret = with_totp(staff)
    client = Client()
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    right = current_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(2):
        response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
        assert response.status_code == 200
    response = client.post("/accounts/2fa/authenticate/", {"code": right})
    assert_refused(response, "Zu viele fehlgeschlagene Anmeldeversuche")
    assert "_auth_user_id" not in client.session


def signup(n: int, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/signup/",
        {
            "email": f"person{n}@example.org",
            "display_name": f"Person {n}",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_sign_ups_from_one_address_are_limited(settings, django_capture_on_commit_callbacks):
    limits(settings, signup="2/m/ip")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            assert signup(n).status_code == 302
        assert_refused(signup(3), ALLAUTH_429, retry_after=False)
        assert signup(4, address=OTHER_ADDRESS).status_code == 302
    emails = set(UserFactory._meta.model.objects.values_list("email", flat=True))
    assert emails == {"person0@example.org", "person1@example.org", "person4@example.org"}


def reset(email: str, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/password/reset/", {"email": email})


def test_password_resets_are_limited_per_address_and_per_account(
    settings, django_capture_on_commit_callbacks
):
    limits(settings, reset_password="3/m/ip,1/m/key")
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert reset(first.email).status_code == 302
        # The same account again, even from elsewhere: refused.
        assert_refused(reset(first.email, address=OTHER_ADDRESS), ALLAUTH_429, retry_after=False)
        assert reset(second.email).status_code == 302
        assert reset("niemand@example.org").status_code == 302
        # The address has used up its three.
        assert_refused(reset("noch-jemand@example.org"), ALLAUTH_429, retry_after=False)
    assert sorted(message.to[0] for message in mail.outbox if message.to[0] != "") == sorted(
        [first.email, second.email, "niemand@example.org"]
    )


def test_the_429_page_is_the_portals_german_page(settings):
    limits(settings, login="0/m/ip")
    response = login("wer@example.org")
    assert_refused(response, ALLAUTH_429, "Zur Startseite", retry_after=False)
    assert "Too Many Requests" not in text(response)
    assert "Bürgerportal Lohmar" in text(response)  # the site's frame, not a bare page


# --- Proposals, comments, reports to the moderators ---------------------------------------------


@pytest.fixture
def process():
    return make_process()


def proposal_post(client, process, pillar, n: int):
    return client.post(
        "/vorschlaege/neu/",
        {
            "process": process.pk,
            "pillar": pillar.pk,
            "title": f"Vorschlag {n}",
            "summary": "Freies WLAN für alle.",
            "text": "Am Rathaus und in der Bibliothek.",
            "district": "",
            "latitude": "",
            "longitude": "",
        },
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_proposal_submissions_are_limited_per_person(settings, process):
    settings.IDEAS_PROPOSALS_PER_HOUR = 2
    pillar = PillarFactory()
    author = logged_in(UserFactory())
    for n in range(2):
        assert proposal_post(author, process, pillar, n).status_code == 302
    response = proposal_post(author, process, pillar, 3)
    assert_refused(response, "sehr viele Vorschläge eingereicht", "später noch einmal")
    assert 'value="Vorschlag 3"' in text(response)  # what was written is kept
    assert Proposal.objects.count() == 2
    # Somebody else (from the same address) still submits.
    assert proposal_post(logged_in(UserFactory()), process, pillar, 4).status_code == 302


def test_invalid_proposal_posts_do_not_use_up_the_limit(settings, process):
    settings.IDEAS_PROPOSALS_PER_HOUR = 1
    pillar = PillarFactory()
    author = logged_in(UserFactory())
    invalid = author.post("/vorschlaege/neu/", {"process": process.pk, "pillar": pillar.pk})
    assert invalid.status_code == 400
    assert proposal_post(author, process, pillar, 1).status_code == 302


def comment_post(client, proposal, n: int):
    return client.post(f"{proposal.get_absolute_url()}kommentieren/", {"text": f"Kommentar {n}"})


def test_comments_are_limited_per_person_but_not_for_moderators(settings, process):
    settings.IDEAS_COMMENTS_PER_HOUR = 2
    proposal = make_proposal(process=process)
    citizen = logged_in(UserFactory())
    for n in range(2):
        assert comment_post(citizen, proposal, n).status_code == 302
    response = comment_post(citizen, proposal, 3)
    assert_refused(response, "sehr viele Kommentare geschrieben", "später noch einmal")
    assert Comment.objects.count() == 2
    assert comment_post(logged_in(UserFactory()), proposal, 4).status_code == 302
    # The moderation answers as often as needed.
    staff = logged_in(make_moderator())
    for n in range(5, 8):
        assert comment_post(staff, proposal, n).status_code == 302
    assert Comment.objects.count() == 6


def test_reports_to_the_moderators_are_limited_per_person(settings, process):
    settings.IDEAS_FLAGS_PER_HOUR = 2
    proposals = [make_proposal(process=process) for _ in range(2)]
    comment = participation.add_comment(
        actor=UserFactory(), target=proposals[0], text="Werbung für Schuhe"
    )
    citizen = logged_in(UserFactory())
    for proposal in proposals:
        response = citizen.post(f"{proposal.get_absolute_url()}melden/", {"reason": "Spam"})
        assert response.status_code == 302
    # Over the limit, on the comment's own page as on the proposal page.
    response = citizen.post(f"/kommentare/{comment.pk}/melden/", {"reason": "Spam"})
    assert_refused(response, "sehr viele Beiträge gemeldet")
    third = make_proposal(process=process)
    response = citizen.post(f"{third.get_absolute_url()}melden/", {"reason": "Spam"})
    assert_refused(response, "sehr viele Beiträge gemeldet")
    assert Flag.objects.count() == 2
    other = logged_in(UserFactory())
    assert other.post(f"/kommentare/{comment.pk}/melden/", {"reason": "Spam"}).status_code == 302


# --- Mängelmelder -------------------------------------------------------------------------------


def report_post(client, category, n: int, email: str = "anna@example.org"):
    return client.post(
        "/maengel/melden/",
        {
            "category": str(category.pk),
            "description": f"Laterne {n} ist dunkel.",
            "latitude": f"{IN_LOHMAR[0]:.6f}",
            "longitude": f"{IN_LOHMAR[1]:.6f}",
            "address": "",
            "district": "",
            "email": email,
            "duplicates_checked": "1",
        },
    )


def test_defect_reports_are_limited_per_address_and_per_account(settings):
    settings.DEFECTS_REPORTS_PER_HOUR = 2
    category = make_category()
    anonymous = Client()
    for n in range(2):
        assert report_post(anonymous, category, n).status_code == 302
    response = report_post(anonymous, category, 3)
    assert_refused(response, "sehr viele Meldungen abgeschickt", "später noch einmal")
    assert "Laterne 3 ist dunkel." in text(response)
    assert DefectReport.objects.count() == 2
    assert report_post(Client(REMOTE_ADDR=OTHER_ADDRESS), category, 4).status_code == 302
    # With an account the account counts, not the address the others share.
    assert report_post(logged_in(UserFactory()), category, 5).status_code == 302
    assert DefectReport.objects.count() == 4


def test_ich_auch_is_limited_per_person(settings):
    settings.DEFECTS_SUPPORTS_PER_HOUR = 2
    reports = [make_report() for _ in range(3)]
    citizen = logged_in(UserFactory())
    for report in reports[:2]:
        assert citizen.post(f"/maengel/{report.reference}/ich-auch/").status_code == 302
    response = citizen.post(f"/maengel/{reports[2].reference}/ich-auch/")
    assert_refused(response, "Zu viele Anfragen", "später noch einmal")
    assert Support.objects.filter(report=reports[2]).count() == 0
    other = logged_in(UserFactory())
    assert other.post(f"/maengel/{reports[2].reference}/ich-auch/").status_code == 302


def test_open311_posts_are_limited_per_api_client():
    make_category(service_code="strasse")
    limited, key = create_api_client("Stadt-App", "app@example.org", 2)
    _other, other_key = create_api_client("Andere App", "andere@example.org", 2)

    def post(api_key: str, fmt: str = "json"):
        return Client().post(
            f"/open311/v2/requests.{fmt}",
            {
                "api_key": api_key,
                "service_code": "strasse",
                "lat": str(IN_LOHMAR[0]),
                "long": str(IN_LOHMAR[1]),
                "description": "Schlagloch",
                "email": "melderin@example.org",
            },
        )

    for _ in range(2):
        assert post(key).status_code == 200
    for fmt in ("json", "xml"):
        assert_refused(post(key, fmt), "Zu viele Meldungen", "2 Meldungen pro Stunde")
    assert DefectReport.objects.filter(api_client=limited).count() == 2
    assert post(other_key).status_code == 200


# --- Service center: tickets, answers by link, bookings -----------------------------------------


def ticket_post(client, n: int, **contact):
    return client.post(
        "/service/anliegen/neu/",
        {"subject": f"Frage {n}", "text": "Wann kommt der Sperrmüll?", **contact},
    )


def test_tickets_are_limited_per_address_and_per_account(settings):
    settings.SERVICECENTER_ANONYMOUS_TICKETS_PER_HOUR = 2
    settings.SERVICECENTER_ACCOUNT_TICKETS_PER_HOUR = 3
    anonymous = Client()
    for n in range(2):
        assert ticket_post(anonymous, n, contact_phone="02246 15-0").status_code == 302
    response = ticket_post(anonymous, 3, contact_phone="02246 15-0")
    assert_refused(response, "sehr viele Anliegen", "später noch einmal")
    assert "Frage 3" in text(response)
    other = Client(REMOTE_ADDR=OTHER_ADDRESS)
    assert ticket_post(other, 4, contact_phone="02246 15-0").status_code == 302

    citizen = logged_in(UserFactory())
    for n in range(3):
        assert ticket_post(citizen, 10 + n).status_code == 302
    assert_refused(ticket_post(citizen, 13), "sehr viele Anliegen")
    assert Ticket.objects.count() == 6


def test_answers_by_secret_link_are_limited_per_ticket(settings):
    settings.SERVICECENTER_LINK_REPLIES_PER_HOUR = 2
    tickets = [
        sc_services.open_ticket(
            actor=None,
            subject="Sperrmüll",
            text="Wann?",
            channel=Channel.WEB,
            contact_name="Erika",
            contact_phone="02246 1",
        )
        for _ in range(2)
    ]
    (ticket, token), (other, other_token) = tickets
    url = reverse("servicecenter:ticket_access", args=[ticket.reference, token])
    for n in range(2):
        assert Client().post(url, {"text": f"Nachricht {n}"}).status_code == 302
    # The limit is the ticket's: another address does not help.
    response = Client(REMOTE_ADDR=OTHER_ADDRESS).post(url, {"text": "Nachricht 3"})
    assert_refused(response, "sehr viele Nachrichten", "später noch einmal")
    assert not ticket.messages.filter(text="Nachricht 3").exists()
    other_url = reverse("servicecenter:ticket_access", args=[other.reference, other_token])
    assert Client().post(other_url, {"text": "Andere"}).status_code == 302


def test_answers_from_the_postbox_are_limited_per_ticket_too(settings):
    """Each answer e-mails whoever works the ticket: an account must not flood them either."""
    settings.SERVICECENTER_LINK_REPLIES_PER_HOUR = 2
    citizen = UserFactory()
    ticket, _token = sc_services.open_ticket(
        actor=citizen, subject="Ummeldung", text="Wie geht das?", channel=Channel.WEB
    )
    client = logged_in(citizen)
    url = f"/service/anliegen/{ticket.reference}/"
    for n in range(2):
        assert client.post(url, {"text": f"Nachricht {n}"}).status_code == 302
    response = client.post(url, {"text": "Nachricht 3"})
    assert_refused(response, "sehr viele Nachrichten", "später noch einmal")
    assert "Nachricht 3" in text(response)
    assert not ticket.messages.filter(text="Nachricht 3").exists()


def test_bookings_are_limited_per_person(settings):
    settings.SERVICECENTER_BOOKINGS_PER_HOUR = 2
    stop = make_stop(day=timezone.localdate() + timedelta(days=7))

    def book(client, clock: str, **data):
        url = reverse("servicecenter:book", kwargs={"pk": stop.pk})
        return client.post(
            f"{url}?zeit={slot_key(at(stop.date, clock))}",
            {"name": "Erika", "concern": "Reisepass abholen", **data},
        )

    citizen = logged_in(UserFactory())
    assert book(citizen, "09:00").status_code == 302
    assert book(citizen, "09:15").status_code == 302
    response = book(citizen, "09:30")
    assert_refused(response, "sehr viele Termine gebucht", "später noch einmal")
    assert Appointment.objects.count() == 2
    assert book(logged_in(UserFactory()), "09:30").status_code == 302
    assert book(Client(), "09:45", email="gast@example.org").status_code == 302


# --- The accessibility feedback (each one an e-mail to the city) ---------------------------------


def feedback(client, n: int):
    return client.post("/barrierefreiheit/", {"message": f"Kontrast zu schwach ({n})"})


def test_accessibility_feedback_is_limited_per_person(settings, django_capture_on_commit_callbacks):
    settings.PORTAL_FEEDBACK_PER_HOUR = 2
    anonymous = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            assert feedback(anonymous, n).status_code == 302
        response = feedback(anonymous, 3)
        assert_refused(response, "sehr viele Rückmeldungen", "später noch einmal")
        assert "Kontrast zu schwach (3)" in text(response)
        assert feedback(Client(REMOTE_ADDR=OTHER_ADDRESS), 4).status_code == 302
    sent = [message.body for message in mail.outbox]
    assert len(sent) == 3
    assert not any("Kontrast zu schwach (3)" in body for body in sent)


# --- Who is "one person" without an account -----------------------------------------------------


def test_an_ipv6_client_is_counted_by_its_prefix(settings):
    """One household or server holds a whole /64: hopping within it must not reset the limit."""
    settings.PORTAL_FEEDBACK_PER_HOUR = 1
    assert feedback(Client(REMOTE_ADDR="2001:db8:1:2::1"), 1).status_code == 302
    assert_refused(feedback(Client(REMOTE_ADDR="2001:db8:1:2:ffff::9"), 2), "Rückmeldungen")
    assert feedback(Client(REMOTE_ADDR="2001:db8:1:3::1"), 3).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings):
    """Behind the TLS proxy REMOTE_ADDR is the proxy for everybody; the proxy's header names the
    client. allauth's limits and the portal's own read the same setting."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_FEEDBACK_PER_HOUR = 1
    limits(settings, login="1/m/ip")

    def via_proxy(client_address: str) -> Client:
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

    assert feedback(via_proxy("198.51.100.1"), 1).status_code == 302
    assert_refused(feedback(via_proxy("198.51.100.1"), 2), "Rückmeldungen")
    assert feedback(via_proxy("198.51.100.2"), 3).status_code == 302

    user = UserFactory()
    data = {"login": user.email, "password": PASSWORD}
    assert via_proxy("198.51.100.1").post("/accounts/login/", data).status_code == 302
    assert via_proxy("198.51.100.1").post("/accounts/login/", data).status_code == 429
    assert via_proxy("198.51.100.2").post("/accounts/login/", data).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(settings):
    settings.PORTAL_FEEDBACK_PER_HOUR = 1
    assert feedback(Client(HTTP_X_FORWARDED_FOR="198.51.100.1"), 1).status_code == 302
    response = feedback(Client(HTTP_X_FORWARDED_FOR="198.51.100.2"), 2)
    assert_refused(response, "Rückmeldungen")
