"""The security matrix: every URL pattern of the project × every role → the expected outcome.

The patterns are walked from the root resolver (our apps, the admin, allauth, Open311); a
pattern without an entry in `MATRIX` fails with "new URL … has no entry in the security matrix".
Each pattern is requested with GET as every role, for each case (a concrete object: a proposal,
a hidden one, a report of department A, citizen A's ticket, …; see concrete.py), and the answer
is compared as a class: 200, a redirect to a login page, another redirect, 403, 404, 405, 410…

Pages that only take POST answer GET with 405 (or send anonymous visitors to the login); who
may POST to them is the second table, `POST_MATRIX`, posted with a valid CSRF token and a
valid body. A POST without a token is refused everywhere (test_csrf.py).

The roles (conftest.py): anonymous; citizen (A: author of the proposal, the comment, the
report, the ticket and the appointment); other_citizen (B); moderator (participation.moderate
and the model rights of ideas and participation, with TOTP); dept_staff (department A, the
defect report rights, TOTP); other_dept_staff (department B, the same rights); agent
(servicecenter.work_first_level, knowledge base and mobile office rights, TOTP); admin
(superuser with TOTP).
"""

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from .concrete import ADMIN_CASE, POST_CASES, admin_model, concrete_urls, post_requests
from .conftest import ROLES, client_as, close_response
from .urlconf import Pattern, all_patterns

# --- Outcomes -----------------------------------------------------------------------------------
OK = 200
MOVED = "moved permanently"  # 301
REDIRECT = "redirect"  # 302 anywhere but a login page
LOGIN = "login"  # 302 to /accounts/login/ or /admin/login/ (which sends citizens home)
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
GONE = 410
SHADOWED = "shadowed"  # an entry for a pattern that an earlier one always wins over

LOGIN_PAGES = {"/accounts/login/", "/admin/login/"}


def outcome(response) -> int | str:
    if response.status_code == 301:
        return MOVED
    if response.status_code in (302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        return LOGIN if path in LOGIN_PAGES else REDIRECT
    return response.status_code


# --- Roles and shorthands -----------------------------------------------------------------------
GROUPS = {
    "citizens": ("citizen", "other_citizen"),
    "staff": ("moderator", "dept_staff", "other_dept_staff", "agent", "admin"),
    "departments": ("dept_staff", "other_dept_staff"),
}


def expect(default, **outcomes) -> dict[str, int | str]:
    """Every role gets `default` except those named (a role, or a group of GROUPS)."""
    table = dict.fromkeys(ROLES, default)
    for name, value in outcomes.items():
        if name in GROUPS:
            table.update(dict.fromkeys(GROUPS[name], value))
    for name, value in outcomes.items():
        if name not in GROUPS:
            assert name in ROLES, name
            table[name] = value
    return table


PUBLIC = expect(OK)
LOGGED_IN = expect(OK, anonymous=LOGIN)
# The admin's own pages: staff with two factors; everybody else to the (admin's) login.
ADMIN_SITE = expect(OK, anonymous=LOGIN, citizens=LOGIN)
# POST-only pages: GET is refused before anything is looked up.
POST_ONLY = expect(NOT_ALLOWED)
POST_ONLY_LOGGED_IN = expect(NOT_ALLOWED, anonymous=LOGIN)
# The service center's staff pages: not advertised to people without a queue.
QUEUE = expect(NOT_FOUND, anonymous=LOGIN, departments=OK, agent=OK, admin=OK)
OFFICE = expect(NOT_FOUND, anonymous=LOGIN, agent=OK, admin=OK)  # the Bürgerbüro's staff

MATRIX: dict[str, dict] = {
    # --- Site-wide pages and the account ---
    "home": PUBLIC,
    "healthz": PUBLIC,
    "account": LOGGED_IN,
    "data_export": LOGGED_IN,
    "data_export_download": {"own archive": expect(NOT_FOUND, anonymous=LOGIN, citizen=OK)},
    "account_delete": LOGGED_IN,
    "privacy": PUBLIC,
    "imprint": PUBLIC,
    "accessibility": PUBLIC,
    "set_language": {"to English": expect(REDIRECT)},
    "account_confirm_email": {"valid key": PUBLIC, "unknown key": expect(NOT_FOUND)},
    # --- allauth ---
    "account_login": expect(REDIRECT, anonymous=OK),
    "account_logout": expect(OK, anonymous=REDIRECT),
    "account_inactive": PUBLIC,
    "account_signup": expect(REDIRECT, anonymous=OK),
    "account_reauthenticate": LOGGED_IN,
    "account_email": LOGGED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": LOGGED_IN,
    "account_set_password": expect(REDIRECT, anonymous=LOGIN),  # everybody has a password
    "account_reset_password": PUBLIC,
    "account_confirm_login_code": expect(REDIRECT, anonymous=LOGIN),  # no code was sent
    # Ours (above) answers unknown keys with 404 and always wins over allauth's.
    r"account_confirm_email@accounts/^confirm-email/(?P<key>[-:\w]+)/$": SHADOWED,
    "account_reset_password_from_key_done": PUBLIC,
    "account_reset_password_from_key": {"valid key": PUBLIC},
    "account_reset_password_done": PUBLIC,
    "mfa_index": LOGGED_IN,
    "mfa_authenticate": expect(REDIRECT, anonymous=LOGIN),  # no login waits for a code
    "mfa_reauthenticate": expect(OK, anonymous=LOGIN, citizens=REDIRECT),  # no 2FA: password
    "mfa_activate_totp": expect(REDIRECT, anonymous=LOGIN),  # confirm the password first
    "mfa_deactivate_totp": expect(REDIRECT, anonymous=LOGIN, citizens=NOT_FOUND),
    "mfa_view_recovery_codes": expect(NOT_FOUND, anonymous=LOGIN),  # none generated
    "mfa_generate_recovery_codes": expect(REDIRECT, anonymous=LOGIN),
    "mfa_download_recovery_codes": expect(NOT_FOUND, anonymous=LOGIN),
    "socialaccount_login_cancelled": PUBLIC,
    "socialaccount_login_error": expect(UNAUTHORIZED),
    "socialaccount_signup": expect(LOGIN),  # only in the middle of a BundID login
    "socialaccount_connections": LOGGED_IN,
    "accounts/social/login/cancelled/": expect(MOVED),  # allauth's old addresses
    "accounts/social/login/error/": expect(MOVED),
    "accounts/social/signup/": expect(MOVED),
    "accounts/social/connections/": expect(MOVED),
    # The state account is off without BUNDID_OIDC_* (as here): its login does not exist.
    "openid_connect_login": {"BundID, not configured": expect(NOT_FOUND)},
    "openid_connect_callback": {"BundID, not configured": expect(NOT_FOUND)},
    # --- Strategy, proposals, participation ---
    "ideas:vision": PUBLIC,
    "ideas:pillar_detail": {"pillar": PUBLIC},
    "ideas:proposal_map": PUBLIC,
    "ideas:proposal_geojson": PUBLIC,
    "ideas:proposal_list": PUBLIC,
    "ideas:proposal_create": LOGGED_IN,
    "ideas:proposal_image": {
        "image of a proposal": PUBLIC,
        "image of a hidden proposal": expect(NOT_FOUND, moderator=OK, admin=OK),
    },
    "ideas:proposal_detail": {
        "proposal": PUBLIC,
        "hidden proposal": PUBLIC,  # a tombstone with the public reason
        "proposal of a process that is not public": expect(NOT_FOUND, moderator=OK, admin=OK),
        "merged proposal": expect(MOVED),
    },
    "ideas:proposal_edit": {
        "citizen A's proposal": expect(FORBIDDEN, anonymous=LOGIN, citizen=OK),
    },
    "ideas:proposal_withdraw": {
        "citizen A's proposal": expect(FORBIDDEN, anonymous=LOGIN, citizen=OK),
    },
    "ideas:proposal_rate": {"citizen A's proposal": POST_ONLY_LOGGED_IN},
    "ideas:proposal_withdraw_rating": {"citizen A's proposal": POST_ONLY_LOGGED_IN},
    "ideas:proposal_comment": {"citizen A's proposal": POST_ONLY_LOGGED_IN},
    "ideas:proposal_flag": {"citizen A's proposal": POST_ONLY_LOGGED_IN},
    "ideas:proposal_follow": {"citizen A's proposal": POST_ONLY_LOGGED_IN},
    "ideas:comment_edit": {
        "citizen A's comment": expect(FORBIDDEN, anonymous=LOGIN, citizen=OK),
    },
    "ideas:comment_delete": {"citizen A's comment": POST_ONLY_LOGGED_IN},
    # Anybody logged in may report a comment, but not their own.
    "ideas:comment_flag": {"citizen A's comment": expect(OK, anonymous=LOGIN, citizen=FORBIDDEN)},
    "ideas:process_list": PUBLIC,
    "ideas:process_detail": {
        "public process": PUBLIC,
        "process that is not public": expect(NOT_FOUND),
    },
    "ideas:roadmap": PUBLIC,
    "ideas:project_detail": {"project": PUBLIC},
    # Dossiers: staff who may view exports and passed the admin's gate.
    "ideas:export_download": {
        "dossier PDF": expect(FORBIDDEN, anonymous=LOGIN, moderator=OK, admin=OK),
    },
    "ideas:open_data": PUBLIC,
    "ideas:open_data_download": {"CSV": PUBLIC},
    # --- Mängelmelder ---
    "defects:report_create": PUBLIC,
    "defects:report_nearby": {"near the report": PUBLIC},
    "defects:report_thanks": {"signed link": PUBLIC},
    "defects:confirm": {"e-mailed link": PUBLIC},
    "defects:confirm_support": {"e-mailed link": PUBLIC},
    "defects:report_support": {"report": PUBLIC},
    "defects:report_list": PUBLIC,
    "defects:report_geojson": PUBLIC,
    "defects:statistics": PUBLIC,
    "defects:photo": {
        "released photo": PUBLIC,
        "withheld photo (department A)": expect(NOT_FOUND, dept_staff=OK, admin=OK),
    },
    "defects:thumbnail": {
        "released photo": PUBLIC,
        "withheld photo (department A)": expect(NOT_FOUND, dept_staff=OK, admin=OK),
    },
    "defects:report_detail": {
        "report of department A": PUBLIC,
        "unconfirmed report": expect(NOT_FOUND, dept_staff=OK, admin=OK),
        "hidden report": expect(GONE, dept_staff=OK, admin=OK),
    },
    # --- Open311 (public reads; POST with an API key, see test_csrf.py) ---
    "open311:discovery": {"json": PUBLIC},
    "open311:services": {"xml": PUBLIC},
    "open311:service_definition": {"json": PUBLIC},
    "open311:requests": {"json": PUBLIC},
    "open311:request": {"public report": PUBLIC, "unconfirmed report": expect(NOT_FOUND)},
    # --- Service center: FAQ, tickets, postbox ---
    "servicecenter:index": PUBLIC,
    "servicecenter:search": {"query": PUBLIC},
    "servicecenter:life_situation": {"situation": PUBLIC},
    "servicecenter:article": {"public article": PUBLIC},
    "servicecenter:ticket_create": PUBLIC,
    "servicecenter:ticket_submitted": expect(REDIRECT),  # nothing submitted: to the form
    "servicecenter:attachment": {
        "file on citizen A's ticket": expect(NOT_FOUND, anonymous=LOGIN, citizen=OK),
    },
    "servicecenter:postbox": LOGGED_IN,
    "servicecenter:ticket": {
        "citizen A's ticket": expect(NOT_FOUND, anonymous=LOGIN, citizen=OK),
    },
    # Whoever holds the secret link reads the ticket; a wrong token finds nothing.
    "servicecenter:ticket_access": {"secret link": PUBLIC, "wrong token": expect(NOT_FOUND)},
    "servicecenter:attachment_access": {
        "secret link": PUBLIC,
        "another ticket's file": expect(NOT_FOUND),
    },
    # --- Service center: staff pages (two factors; tickets of their queue only) ---
    "servicecenter:queue": QUEUE,
    "servicecenter:quick_entry": OFFICE,  # first level only
    "servicecenter:staff_ticket": {
        "citizen A's ticket (first level)": OFFICE,
        "ticket forwarded to department A": expect(
            NOT_FOUND, anonymous=LOGIN, dept_staff=OK, agent=OK, admin=OK
        ),
    },
    **{
        f"servicecenter:staff_{action}": {"ticket forwarded to department A": POST_ONLY}
        for action in (
            "reply",
            "note",
            "resolve",
            "forward",
            "send_back",
            "assign",
            "classify",
            "close",
            "reopen",
        )
    },
    "servicecenter:staff_attachment": {
        "file on the forwarded ticket": expect(
            NOT_FOUND, anonymous=LOGIN, dept_staff=OK, agent=OK, admin=OK
        ),
    },
    "servicecenter:figures": PUBLIC,
    # --- Mobile Bürgerbüro ---
    "servicecenter:schedule": PUBLIC,
    "servicecenter:schedule_ics": PUBLIC,
    "servicecenter:stop": {"stop": PUBLIC},
    "servicecenter:book": {"free slot": PUBLIC},
    # The appointment's secret link is its key (whoever holds it may cancel).
    "servicecenter:cancel_appointment": {"citizen A's appointment": PUBLIC},
    "servicecenter:appointment_ics": {"citizen A's appointment": PUBLIC},
    "servicecenter:appointment": {"citizen A's appointment": PUBLIC},
    "servicecenter:mobile_office_today": expect(
        NOT_FOUND, anonymous=LOGIN, agent=REDIRECT, admin=REDIRECT
    ),
    # staff_required comes first (a queue), then require_POST, then the Bürgerbüro check.
    "servicecenter:mobile_office_cancel": {
        "citizen A's appointment": expect(
            NOT_ALLOWED, anonymous=LOGIN, citizens=NOT_FOUND, moderator=NOT_FOUND
        ),
    },
    "servicecenter:mobile_office_book": {"free slot": OFFICE},
    "servicecenter:mobile_office_day": {"the stop's day": OFFICE},
    # --- The admin site's own pages ---
    "admin:index": ADMIN_SITE,
    "admin:login": expect(REDIRECT, anonymous=LOGIN),  # allauth's login; staff to the index
    "admin:logout": expect(NOT_ALLOWED, anonymous=REDIRECT, citizens=REDIRECT),  # POST only
    # Passwords change through allauth in the account area (rate limits, notification).
    "admin:password_change": expect(REDIRECT, anonymous=LOGIN, citizens=LOGIN),
    "admin:password_change_done": expect(REDIRECT, anonymous=LOGIN, citizens=LOGIN),
    "admin:autocomplete": expect(FORBIDDEN, anonymous=LOGIN, citizens=LOGIN),  # no field given
    "admin:jsi18n": ADMIN_SITE,
    "admin:view_on_site": {"a proposal": expect(REDIRECT, anonymous=LOGIN, citizens=LOGIN)},
    "admin:app_list": {
        "ideas": expect(NOT_FOUND, anonymous=LOGIN, citizens=LOGIN, moderator=OK, admin=OK),
    },
    "admin/(?P<url>.*)$": {
        "unknown page": expect(NOT_FOUND, anonymous=LOGIN, citizens=LOGIN),
    },
}


# --- The admin's model pages, by who holds which right ------------------------------------------
def admin_pages(*, view=(), add=(), delete=()) -> dict[str, dict]:
    """The outcomes of a model's standard admin pages (suffix → outcomes) from who may view
    (list, change page, history), add and delete. Others of staff: 403; everybody else: login.
    """

    def allowed(roles):
        return expect(FORBIDDEN, anonymous=LOGIN, citizens=LOGIN, **dict.fromkeys(roles, OK))

    return {
        "changelist": allowed(view),
        "add": allowed(add),
        "history": allowed(view),
        "delete": allowed(delete),
        "change": allowed(view),
        # admin/<app>/<model>/<id>/ only redirects to the change page.
        "": expect(REDIRECT, anonymous=LOGIN, citizens=LOGIN),
    }


MODERATION = ("moderator", "admin")
SUPERUSER = ("admin",)
FIRST_LEVEL = ("agent", "admin")

ADMIN_MODELS: dict[str, dict[str, dict]] = {
    "auth.group": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    # Accounts are deleted through the service (anonymised), never by the admin's delete.
    "lohmar_portal.user": admin_pages(view=SUPERUSER, add=SUPERUSER),
    "lohmar_portal.district": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "lohmar_portal.department": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "lohmar_portal.legalpage": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    # The task outbox: looked at and sent again, never made or removed by hand.
    "lohmar_portal.queuedtask": admin_pages(view=SUPERUSER),
    # Comments are deleted to a tombstone by their authors; reports and the log are kept.
    "participation.comment": admin_pages(view=MODERATION, add=MODERATION),
    "participation.flag": admin_pages(view=MODERATION),
    "participation.moderationaction": admin_pages(view=MODERATION),
    "participation.process": admin_pages(view=MODERATION, add=MODERATION, delete=MODERATION),
    "ideas.dossierexport": admin_pages(view=MODERATION, add=MODERATION),
    "ideas.proposal": admin_pages(view=MODERATION, add=MODERATION),
    # Projects are made from adopted proposals (an action), not with the empty add form.
    "ideas.roadmapproject": admin_pages(view=MODERATION, delete=MODERATION),
    "ideas.vision": admin_pages(view=MODERATION, add=MODERATION, delete=MODERATION),
    "ideas.pillar": admin_pages(view=MODERATION, add=MODERATION, delete=MODERATION),
    "defects.apiclient": admin_pages(view=SUPERUSER, add=SUPERUSER),
    "defects.category": admin_pages(view=SUPERUSER, add=SUPERUSER),
    # Department staff see their department's reports only (see the explicit entries below).
    "defects.defectreport": admin_pages(
        view=("dept_staff", "other_dept_staff", "admin"),
        add=("dept_staff", "other_dept_staff", "admin"),
    ),
    # Tickets are read-only in the admin, for whoever has a queue: the list of their queue.
    "servicecenter.ticket": admin_pages(view=("dept_staff", "other_dept_staff", *FIRST_LEVEL)),
    "servicecenter.slapolicy": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "servicecenter.closingday": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "servicecenter.lifesituation": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "servicecenter.knowledgearticle": admin_pages(
        view=FIRST_LEVEL, add=FIRST_LEVEL, delete=SUPERUSER
    ),
    "servicecenter.mobileofficestop": admin_pages(
        view=FIRST_LEVEL, add=FIRST_LEVEL, delete=SUPERUSER
    ),
    "account.emailaddress": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "mfa.authenticator": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "socialaccount.socialapp": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "socialaccount.socialtoken": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
    "socialaccount.socialaccount": admin_pages(view=SUPERUSER, add=SUPERUSER, delete=SUPERUSER),
}

ADMIN_DENIED = {"anonymous": LOGIN, "citizens": LOGIN}
# A report of department A: its staff (and the superuser) work on it; for others of staff it
# is not there (not found, or the admin's "does not exist" redirect to its index).
REPORT_WORK = expect(NOT_FOUND, **ADMIN_DENIED, dept_staff=OK, admin=OK)

ADMIN_EXPLICIT: dict[str, dict] = {
    "admin:auth_user_password_change": expect(FORBIDDEN, **ADMIN_DENIED, admin=OK),
    "admin:ideas_dossierexport_status": expect(
        FORBIDDEN, **ADMIN_DENIED, **dict.fromkeys(MODERATION, OK)
    ),
    "admin:ideas_dossierexport_decision": {
        "council submission": expect(FORBIDDEN, **ADMIN_DENIED, **dict.fromkeys(MODERATION, OK)),
    },
    "admin:defects_apiclient_rotate": expect(FORBIDDEN, **ADMIN_DENIED, admin=OK),
    "admin:defects_defectreport_history": expect(REDIRECT, **ADMIN_DENIED, dept_staff=OK, admin=OK),
    "admin:defects_defectreport_change": {
        "report of department A": expect(
            FORBIDDEN, **ADMIN_DENIED, dept_staff=OK, other_dept_staff=REDIRECT, admin=OK
        ),
        "report of department B": expect(
            FORBIDDEN, **ADMIN_DENIED, dept_staff=REDIRECT, other_dept_staff=OK, admin=OK
        ),
    },
    **{
        f"admin:defects_defectreport_{page}": REPORT_WORK
        for page in (
            "status",
            "note",
            "reassign",
            "duplicate",
            "hide",
            "redact",
            "photo_release",
            "photo_withhold",
            "photo_delete",
        )
    },
    # The report is not hidden: its staff are sent back to it with a message.
    "admin:defects_defectreport_restore": expect(
        NOT_FOUND, **ADMIN_DENIED, dept_staff=REDIRECT, admin=REDIRECT
    ),
    "admin:servicecenter_ticket_history": expect(REDIRECT, **ADMIN_DENIED, agent=OK, admin=OK),
    "admin:servicecenter_ticket_change": {
        "citizen A's ticket": expect(
            REDIRECT, **ADMIN_DENIED, moderator=FORBIDDEN, agent=OK, admin=OK
        ),
        "ticket forwarded to department A": expect(
            REDIRECT, **ADMIN_DENIED, moderator=FORBIDDEN, dept_staff=OK, agent=OK, admin=OK
        ),
    },
}


def _admin_page_kind(pattern: Pattern) -> str | None:
    """ "changelist", "add", … for a standard page of a model's admin."""
    if pattern.name is None:
        return ""
    suffix = pattern.name.rsplit("_", 1)[-1]
    return suffix if suffix in ("changelist", "add", "history", "delete", "change") else None


def entry(pattern: Pattern) -> dict | str | None:
    """The matrix entry of a pattern: explicit, else from its model's admin rights."""
    if pattern.key in MATRIX:
        return MATRIX[pattern.key]
    if pattern.key in ADMIN_EXPLICIT:
        return ADMIN_EXPLICIT[pattern.key]
    label = admin_model(pattern)
    if label in ADMIN_MODELS:
        kind = _admin_page_kind(pattern)
        if kind is not None:
            return ADMIN_MODELS[label][kind]
    return None


def cases_of(found: dict | str) -> dict[str, dict]:
    """{case: {role: outcome}}; a plain {role: outcome} is the one case of a simple page."""
    if set(found) == set(ROLES):
        return {ADMIN_CASE: found}
    return found


PATTERNS = all_patterns()


def _same_pattern(path: str, pattern: Pattern) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.route.replace("^", "") == pattern.route.replace("^", "")


def get_as(world, role: str, url: str):
    """GET as the role, undoing whatever the request writes (messages marked "read")."""
    with transaction.atomic():
        response = client_as(world, role).get(url)
        close_response(response)
        transaction.set_rollback(True)
    return response


def test_every_entry_names_a_url_pattern_of_the_project():
    keys = {pattern.key for pattern in PATTERNS}
    stale = sorted(set(MATRIX) - keys) + sorted(set(ADMIN_EXPLICIT) - keys)
    assert not stale, f"entries for URL patterns that no longer exist: {stale}"
    labels = {admin_model(pattern) for pattern in PATTERNS} - {None}
    assert not sorted(set(ADMIN_MODELS) - labels), "admin models that are no longer registered"


@pytest.mark.parametrize(
    ("key", "route"),
    [
        ("ideas:neue_seite", "neue-seite/"),  # a new page of an app
        ("admin:ideas_statuschange_changelist", "admin/ideas/statuschange/"),  # a new model admin
        ("admin:ideas_proposal_neu", "admin/ideas/proposal/<int:pk>/neu/"),  # a new admin view
    ],
)
def test_a_url_without_an_entry_has_none(key, route):
    """What test_get_outcome_per_role fails on: a pattern nobody has decided about."""
    assert (
        entry(
            Pattern(key=key, name=key, route=route, callback=test_a_url_without_an_entry_has_none)
        )
        is None
    )


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=[pattern.key for pattern in PATTERNS])
def test_get_outcome_per_role(world, pattern):
    found = entry(pattern)
    if found is None:
        pytest.fail(
            f"new URL {pattern.route!r} ({pattern.key}, view {pattern.view_path}) has no entry "
            "in the security matrix: add what each role gets to MATRIX (or, for a model's "
            "admin, ADMIN_MODELS) in tests/security/test_url_matrix.py"
        )
    urls = concrete_urls(world, pattern)
    if found == SHADOWED:
        for url in urls.values():
            assert not _same_pattern(urlsplit(url).path, pattern), f"{url} is not shadowed"
        return
    expected = cases_of(found)
    assert set(expected) == set(urls), "the matrix and concrete.py name different cases"
    wrong = []
    for case, url in urls.items():
        assert _same_pattern(urlsplit(url).path, pattern), f"{url} does not reach {pattern.route}"
        for role in ROLES:
            got = outcome(get_as(world, role, url))
            if got != expected[case][role]:
                wrong.append(
                    f"  {role:17} {case or url}: expected {expected[case][role]}, got {got}"
                )
    assert not wrong, f"GET {pattern.key}:\n" + "\n".join(wrong)


# --- Who may POST to the POST-only pages (valid CSRF token, valid body) --------------------------
# Refusals: 403 where the page says why (a phase, one's own contribution), 404 where the thing
# does not exist for that person (a ticket outside their queue, a process that is not public).
WORKS_THE_TICKET = expect(
    NOT_FOUND, anonymous=LOGIN, dept_staff=REDIRECT, agent=REDIRECT, admin=REDIRECT
)
FIRST_LEVEL_ONLY = expect(NOT_FOUND, anonymous=LOGIN, agent=REDIRECT, admin=REDIRECT)
NOT_PUBLIC_BUT_FOR_MODERATORS = expect(
    NOT_FOUND, anonymous=LOGIN, moderator=REDIRECT, admin=REDIRECT
)
NOT_PUBLIC_REFUSED = expect(NOT_FOUND, anonymous=LOGIN, moderator=FORBIDDEN, admin=FORBIDDEN)

POST_MATRIX: dict[str, dict[str, dict]] = {
    # The author cannot rate their own proposal; nobody rates in a process that is not public.
    "ideas:proposal_rate": {
        "citizen A's proposal": expect(REDIRECT, anonymous=LOGIN, citizen=FORBIDDEN),
        "proposal of a process that is not public": NOT_PUBLIC_REFUSED,
    },
    "ideas:proposal_withdraw_rating": {
        "citizen A's proposal": expect(REDIRECT, anonymous=LOGIN, citizen=FORBIDDEN),
        "proposal of a process that is not public": NOT_PUBLIC_REFUSED,
    },
    # Moderators answer officially wherever they can see.
    "ideas:proposal_comment": {
        "citizen A's proposal": expect(REDIRECT, anonymous=LOGIN),
        "proposal of a process that is not public": NOT_PUBLIC_BUT_FOR_MODERATORS,
    },
    "ideas:proposal_flag": {
        "citizen A's proposal": expect(REDIRECT, anonymous=LOGIN, citizen=FORBIDDEN),
        "proposal of a process that is not public": NOT_PUBLIC_BUT_FOR_MODERATORS,
    },
    "ideas:proposal_follow": {
        "citizen A's proposal": expect(REDIRECT, anonymous=LOGIN),
        "proposal of a process that is not public": NOT_PUBLIC_BUT_FOR_MODERATORS,
    },
    "ideas:comment_delete": {
        "citizen A's comment": expect(FORBIDDEN, anonymous=LOGIN, citizen=REDIRECT),
    },
    **{
        f"servicecenter:staff_{action}": {"ticket forwarded to department A": WORKS_THE_TICKET}
        for action in ("reply", "note", "resolve", "send_back", "classify", "close", "reopen")
    },
    "servicecenter:staff_forward": {"ticket forwarded to department A": FIRST_LEVEL_ONLY},
    "servicecenter:staff_assign": {"ticket forwarded to department A": FIRST_LEVEL_ONLY},
    "servicecenter:mobile_office_cancel": {"citizen A's appointment": FIRST_LEVEL_ONLY},
    "admin:logout": {"": expect(OK, anonymous=REDIRECT, citizens=REDIRECT)},
}


def test_every_post_only_page_has_a_post_entry():
    """A pattern whose GET answer is 405 (for the logged-in) takes only POST: who may post?"""
    post_only = {
        key
        for key, found in {**MATRIX, **ADMIN_EXPLICIT}.items()
        if found != SHADOWED
        and any(
            roles["citizen"] == NOT_ALLOWED or roles["admin"] == NOT_ALLOWED
            for roles in cases_of(found).values()
        )
    }
    assert post_only == set(POST_MATRIX) == set(POST_CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(POST_MATRIX))
def test_post_outcome_per_role(world, key):
    requests = post_requests(world, key)
    assert set(requests) == set(POST_MATRIX[key])
    wrong = []
    for case, (path, body) in requests.items():
        for role in ROLES:
            with transaction.atomic():
                response = client_as(world, role).post(path, body)
                transaction.set_rollback(True)
            got = outcome(response)
            if got != POST_MATRIX[key][case][role]:
                wrong.append(
                    f"  {role:17} {case}: expected {POST_MATRIX[key][case][role]}, got {got}"
                )
    assert not wrong, f"POST {key}:\n" + "\n".join(wrong)
