"""CSRF on every form: a POST without a token is refused (403) on every URL of the project.

Each pattern of the enumeration (test_url_matrix.py) is posted to with
`Client(enforce_csrf_checks=True)` as a role that may use the page (from the matrix), once with
a valid token and once without. Without the token the CSRF check must refuse it (our failure
view marks the answer, so a 403 of the view itself does not count); with the token it must
not. The only views exempt from Django's check are named in `CSRF_EXEMPT` with the reason.

With a token, a page that only shows (not in `TAKES_POST` or `POST_MATRIX`) refuses the POST
with 405.
"""

import pytest
from django.db import transaction
from django.http import HttpResponseForbidden

from defects.models import DefectReport, hash_token

from .concrete import concrete_urls
from .conftest import ROLES, client_as, close_response
from .test_url_matrix import (
    NOT_ALLOWED,
    OK,
    POST_MATRIX,
    REDIRECT,
    SHADOWED,
    cases_of,
    entry,
)
from .urlconf import all_patterns

CSRF_FAILED = "X-Test-Csrf-Failed"
TOKEN = "A" * 32  # a CSRF secret as the cookie holds it; the same value is a valid token

# View → why it is exempt from CsrfViewMiddleware, and how it is protected instead.
CSRF_EXEMPT = {
    # Other systems post with an API key (Open311 GeoReport v2); there is no session to ride on.
    "open311:requests": "token-less by design: api_key",
    # Exempt only so that the upload's size limit is set before the body is read; the view
    # then checks the token itself (csrf_protect) — refused without it below like any form.
    "defects:report_create": "checked inside the view",
}


def csrf_refused(request, reason=""):
    """The CSRF failure view for these tests: a 403 that says it came from the CSRF check."""
    response = HttpResponseForbidden(reason)
    response[CSRF_FAILED] = reason or "yes"
    return response


@pytest.fixture(autouse=True)
def _marked_csrf_failures(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_refused"


# Every reachable pattern with a matrix entry, but the token-less Open311 POST (tested below).
PATTERNS = [
    pattern
    for pattern in all_patterns()
    if entry(pattern) not in (None, SHADOWED) and pattern.key != "open311:requests"
]
PREFERENCE = ("citizen", "dept_staff", "agent", "moderator", "admin", *ROLES)


def permitted_role(key: str, expected: dict) -> str:
    """A logged-in role that may use the page: it gets the page (GET) or may post to it."""
    allowed = (OK, REDIRECT) if key in POST_MATRIX else (OK,)
    for role in PREFERENCE:
        if role != "anonymous" and expected[role] in allowed:
            return role
    return "admin"


def post(world, role: str, url: str, *, token: bool):
    client = client_as(world, role, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = TOKEN
    data = {"csrfmiddlewaretoken": TOKEN} if token else {}
    with transaction.atomic():
        response = client.post(url, data)
        close_response(response)
        transaction.set_rollback(True)
    return response


def test_only_the_named_views_are_exempt_from_the_csrf_check():
    exempt = {p.key for p in all_patterns() if getattr(p.callback, "csrf_exempt", False)}
    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=[pattern.key for pattern in PATTERNS])
def test_a_post_without_csrf_token_is_refused(world, pattern):
    urls = concrete_urls(world, pattern)
    expected = cases_of(entry(pattern))
    if pattern.key in POST_MATRIX:
        expected = POST_MATRIX[pattern.key]
    case, url = next(iter(urls.items()))
    role = permitted_role(pattern.key, expected.get(case) or next(iter(expected.values())))

    refused = post(world, role, url, token=False)
    assert refused.status_code == 403 and CSRF_FAILED in refused, (
        f"POST {url} without a CSRF token as {role}: {refused.status_code}, not the CSRF refusal"
    )
    accepted = post(world, role, url, token=True)
    assert CSRF_FAILED not in accepted, f"POST {url} with a valid token as {role} was refused"


@pytest.mark.django_db
def test_post_only_pages_take_the_post_with_a_token(world):
    """The control for the POST-only pages: with a token, whoever may post gets through."""
    from .concrete import post_requests

    for key, cases in POST_MATRIX.items():
        for case, (url, body) in post_requests(world, key).items():
            role = permitted_role(key, cases[case])
            client = client_as(world, role, enforce_csrf_checks=True)
            client.cookies["csrftoken"] = TOKEN
            with transaction.atomic():
                response = client.post(url, {**body, "csrfmiddlewaretoken": TOKEN})
                transaction.set_rollback(True)
            assert CSRF_FAILED not in response, (key, case, role)
            if cases[case][role] in (OK, REDIRECT):
                assert response.status_code not in (403, NOT_ALLOWED), (key, case, role)


@pytest.mark.django_db
def test_open311_post_needs_an_api_key_not_a_token(world):
    """The one form-less POST: other systems send an api_key and no CSRF token or session."""
    client = client_as(world, "anonymous", enforce_csrf_checks=True)
    body = {
        "service_code": world.category.service_code,
        "lat": "50.8394",
        "long": "7.2164",
        "description": "Schlagloch vor dem Rathaus, etwa 30 cm breit.",
        "email": "melder@example.org",
    }
    without_key = client.post("/open311/v2/requests.json", body)
    assert without_key.status_code == 403 and CSRF_FAILED not in without_key
    assert "api_key" in without_key.json()[0]["description"]

    with_key = client.post("/open311/v2/requests.json", {**body, "api_key": "schluessel"})
    assert with_key.status_code == 200, with_key.content
    reference = with_key.json()[0]["service_request_id"]
    assert DefectReport.objects.get(reference=reference).api_client == world.api_client
    assert world.api_client.key_hash == hash_token("schluessel")


# --- A page that only shows refuses a POST ------------------------------------------------------

# Besides the POST-only pages (POST_MATRIX), the addresses that take a POST: pages with a form
# that posts back to them, and the few whose library answers every method. Every other page is
# read-only and answers a POST with 405: one it ignored was still a successful write request,
# and a signed-in one made every cached page stale (AtomicWritesMiddleware).
TAKES_POST = {
    # Our forms.
    "account",
    "data_export",
    "account_delete",
    "accessibility",  # the feedback form
    "set_language",
    "ideas:proposal_create",
    "ideas:proposal_edit",
    "ideas:proposal_withdraw",
    "ideas:comment_edit",
    "ideas:comment_flag",
    "defects:report_create",
    "defects:report_support",
    "defects:confirm",  # the link shows the report; its button posts back
    "defects:confirm_support",
    "servicecenter:ticket_create",
    "servicecenter:ticket",  # the reply form under the thread
    "servicecenter:ticket_access",
    "servicecenter:quick_entry",
    "servicecenter:book",
    "servicecenter:cancel_appointment",
    "servicecenter:mobile_office_book",
    # allauth's forms.
    "account_confirm_email",
    "account_login",
    "account_logout",
    "account_signup",
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_confirm_login_code",
    "account_reset_password_from_key",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
    "socialaccount_signup",
    "socialaccount_connections",
    # allauth: the BundID login starts with a POST; the provider may post the callback back.
    "openid_connect_login",
    "openid_connect_callback",
    # allauth's old addresses redirect whatever comes.
    "accounts/social/login/cancelled/",
    "accounts/social/login/error/",
    "accounts/social/signup/",
    "accounts/social/connections/",
}
READ_ONLY = [
    pattern
    for pattern in PATTERNS
    if pattern.key not in TAKES_POST
    and pattern.key not in POST_MATRIX
    and not pattern.key.startswith("admin")  # Django's admin, forms and all
]


def test_every_address_that_takes_a_post_is_a_pattern_of_the_project():
    assert TAKES_POST - {pattern.key for pattern in PATTERNS} == set()


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", READ_ONLY, ids=[pattern.key for pattern in READ_ONLY])
def test_a_page_that_only_shows_refuses_a_post(world, pattern):
    urls = concrete_urls(world, pattern)
    expected = cases_of(entry(pattern))
    case, url = next(iter(urls.items()))
    outcomes = expected.get(case) or next(iter(expected.values()))
    role = permitted_role(pattern.key, outcomes)

    response = post(world, role, url, token=True)
    if response.status_code != NOT_ALLOWED:
        # Only a page that refuses this role anyway (no role may see it here) may say so first.
        assert response.status_code == outcomes[role] and outcomes[role] not in (OK, REDIRECT), (
            f"POST {url} as {role}: {response.status_code}"
        )
        return
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert "GET" in allowed and "POST" not in allowed, response["Allow"]
