"""Concrete URLs for the URL patterns, built from the objects of the security world.

`CASES` names, per pattern key, the cases to request and their arguments (a function of the
world). Patterns of a model's admin take their object from `ADMIN_OBJECTS`; patterns without
arguments need no entry. A pattern whose arguments cannot be filled fails the matrix test.
"""

import re
from collections.abc import Callable
from datetime import datetime, time

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from .urlconf import Pattern

Args = Callable[[object], dict]


def _slot(world) -> str:
    """The query of the stop's last slot of the morning (free)."""
    start = timezone.make_aware(datetime.combine(world.stop.date, time(11, 45)))
    return "?zeit=" + timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")


# pattern key → {case: (kwargs for reverse(), query string)}; a case label says what it shows.
CASES: dict[str, dict[str, Callable[[object], tuple[dict, str]]]] = {
    "data_export_download": {
        "own archive": lambda w: ({"name": w.tokens["data_export"]}, ""),
    },
    "set_language": {"to English": lambda w: ({}, "?language=en&next=/maengel/")},
    "account_confirm_email": {
        "valid key": lambda w: ({"key": w.tokens["email_confirmation"]}, ""),
        "unknown key": lambda w: ({"key": "MTE:unbekannt"}, ""),
    },
    r"account_confirm_email@accounts/^confirm-email/(?P<key>[-:\w]+)/$": {
        "valid key": lambda w: ({"key": w.tokens["email_confirmation"]}, ""),
    },
    "account_reset_password_from_key": {
        "valid key": lambda w: (
            {"uidb36": w.tokens["password_reset"][0], "key": w.tokens["password_reset"][1]},
            "",
        ),
    },
    "openid_connect_login": {"BundID, not configured": lambda w: ({"provider_id": "bundid"}, "")},
    "openid_connect_callback": {
        "BundID, not configured": lambda w: ({"provider_id": "bundid"}, "")
    },
    # --- ideas ---
    "ideas:pillar_detail": {"pillar": lambda w: ({"slug": w.pillar.slug}, "")},
    "ideas:proposal_image": {
        "image of a proposal": lambda w: ({"pk": w.image.pk}, ""),
        "image of a hidden proposal": lambda w: ({"pk": w.hidden_image.pk}, ""),
    },
    "ideas:proposal_detail": {
        "proposal": lambda w: ({"reference": w.proposal.reference}, ""),
        "hidden proposal": lambda w: ({"reference": w.hidden_proposal.reference}, ""),
        "proposal of a process that is not public": lambda w: (
            {"reference": w.draft_proposal.reference},
            "",
        ),
        "merged proposal": lambda w: ({"reference": w.merged_proposal.reference}, ""),
    },
    **{
        f"ideas:{name}": {
            "citizen A's proposal": lambda w: ({"reference": w.proposal.reference}, "")
        }
        for name in (
            "proposal_edit",
            "proposal_withdraw",
            "proposal_rate",
            "proposal_withdraw_rating",
            "proposal_comment",
            "proposal_flag",
            "proposal_follow",
        )
    },
    **{
        f"ideas:{name}": {"citizen A's comment": lambda w: ({"comment_id": w.comment.pk}, "")}
        for name in ("comment_edit", "comment_delete", "comment_flag")
    },
    "ideas:process_detail": {
        "public process": lambda w: ({"slug": w.process.slug}, ""),
        "process that is not public": lambda w: ({"slug": w.draft_process.slug}, ""),
    },
    "ideas:project_detail": {"project": lambda w: ({"slug": w.project.slug}, "")},
    "ideas:export_download": {"dossier PDF": lambda w: ({"pk": w.export.pk, "fmt": "pdf"}, "")},
    "ideas:open_data_download": {"CSV": lambda w: ({"fmt": "csv"}, "")},
    # --- defects ---
    "defects:report_nearby": {
        "near the report": lambda w: (
            {},
            f"?kategorie={w.category.pk}&lat={w.report.latitude}&lon={w.report.longitude}",
        ),
    },
    "defects:report_thanks": {"signed link": lambda w: ({"token": w.tokens["report_thanks"]}, "")},
    "defects:confirm": {"e-mailed link": lambda w: ({"token": w.tokens["report_confirm"]}, "")},
    "defects:confirm_support": {
        "e-mailed link": lambda w: ({"token": w.tokens["support_confirm"]}, ""),
    },
    "defects:report_support": {"report": lambda w: ({"reference": w.report.reference}, "")},
    "defects:photo": {
        "released photo": lambda w: ({"pk": w.released_photo.pk}, ""),
        "withheld photo (department A)": lambda w: ({"pk": w.withheld_photo.pk}, ""),
    },
    "defects:thumbnail": {
        "released photo": lambda w: ({"pk": w.released_photo.pk}, ""),
        "withheld photo (department A)": lambda w: ({"pk": w.withheld_photo.pk}, ""),
    },
    "defects:report_detail": {
        "report of department A": lambda w: ({"reference": w.report.reference}, ""),
        "unconfirmed report": lambda w: ({"reference": w.unconfirmed_report.reference}, ""),
        "hidden report": lambda w: ({"reference": w.hidden_report.reference}, ""),
    },
    # --- Open311 ---
    "open311:discovery": {"json": lambda w: ({"fmt": "json"}, "")},
    "open311:services": {"xml": lambda w: ({"fmt": "xml"}, "")},
    "open311:service_definition": {
        "json": lambda w: ({"service_code": w.category.service_code, "fmt": "json"}, ""),
    },
    "open311:requests": {"json": lambda w: ({"fmt": "json"}, "")},
    "open311:request": {
        "public report": lambda w: ({"service_request_id": w.report.reference, "fmt": "xml"}, ""),
        "unconfirmed report": lambda w: (
            {"service_request_id": w.unconfirmed_report.reference, "fmt": "json"},
            "",
        ),
    },
    # --- service center ---
    "servicecenter:search": {"query": lambda w: ({}, "?q=Umzug")},
    "servicecenter:life_situation": {"situation": lambda w: ({"slug": w.situation.slug}, "")},
    "servicecenter:article": {"public article": lambda w: ({"slug": w.article.slug}, "")},
    "servicecenter:attachment": {
        "file on citizen A's ticket": lambda w: ({"pk": w.ticket_attachment.pk}, ""),
    },
    "servicecenter:ticket": {
        "citizen A's ticket": lambda w: ({"reference": w.ticket.reference}, ""),
    },
    "servicecenter:ticket_access": {
        "secret link": lambda w: (
            {"reference": w.link_ticket.reference, "token": w.tokens["ticket_link"]},
            "",
        ),
        "wrong token": lambda w: ({"reference": w.link_ticket.reference, "token": "0" * 40}, ""),
    },
    "servicecenter:attachment_access": {
        "secret link": lambda w: (
            {
                "reference": w.link_ticket.reference,
                "token": w.tokens["ticket_link"],
                "pk": w.link_attachment.pk,
            },
            "",
        ),
        "another ticket's file": lambda w: (
            {
                "reference": w.link_ticket.reference,
                "token": w.tokens["ticket_link"],
                "pk": w.ticket_attachment.pk,
            },
            "",
        ),
    },
    "servicecenter:staff_ticket": {
        "citizen A's ticket (first level)": lambda w: ({"reference": w.ticket.reference}, ""),
        "ticket forwarded to department A": lambda w: (
            {"reference": w.forwarded_ticket.reference},
            "",
        ),
    },
    **{
        f"servicecenter:staff_{name}": {
            "ticket forwarded to department A": lambda w: (
                {"reference": w.forwarded_ticket.reference},
                "",
            ),
        }
        for name in (
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
        "file on the forwarded ticket": lambda w: (
            {"reference": w.forwarded_ticket.reference, "pk": w.forwarded_attachment.pk},
            "",
        ),
    },
    "servicecenter:stop": {"stop": lambda w: ({"pk": w.stop.pk}, "")},
    "servicecenter:book": {"free slot": lambda w: ({"pk": w.stop.pk}, _slot(w))},
    **{
        f"servicecenter:{name}": {
            "citizen A's appointment": lambda w: (
                {"pk": w.appointment.pk, "token": w.appointment.cancel_token},
                "",
            ),
        }
        for name in ("cancel_appointment", "appointment_ics", "appointment")
    },
    "servicecenter:mobile_office_cancel": {
        "citizen A's appointment": lambda w: ({"pk": w.appointment.pk}, ""),
    },
    "servicecenter:mobile_office_book": {"free slot": lambda w: ({"pk": w.stop.pk}, _slot(w))},
    "servicecenter:mobile_office_day": {
        "the stop's day": lambda w: ({"day": w.stop.date.isoformat()}, ""),
    },
}

# The object each model's admin pages are shown for: "app_label.model" → world attribute.
ADMIN_OBJECTS: dict[str, Callable[[object], object]] = {
    "auth.group": lambda w: w.group,
    "lohmar_portal.user": lambda w: w.users["citizen"],
    "lohmar_portal.district": lambda w: w.stop.district,
    "lohmar_portal.department": lambda w: w.department_a,
    "lohmar_portal.legalpage": lambda w: w.legal_page,
    "lohmar_portal.queuedtask": lambda w: w.queued_task,
    "participation.comment": lambda w: w.comment,
    "participation.flag": lambda w: w.flag,
    "participation.moderationaction": lambda w: w.moderation_action,
    "participation.process": lambda w: w.process,
    "ideas.dossierexport": lambda w: w.export,
    "ideas.proposal": lambda w: w.proposal,
    "ideas.roadmapproject": lambda w: w.project,
    "ideas.vision": lambda w: w.vision,
    "ideas.pillar": lambda w: w.pillar,
    "defects.apiclient": lambda w: w.api_client,
    "defects.category": lambda w: w.category,
    "defects.defectreport": lambda w: w.report,
    "servicecenter.ticket": lambda w: w.ticket,
    "servicecenter.slapolicy": lambda w: w.sla,
    "servicecenter.closingday": lambda w: w.closing_day,
    "servicecenter.lifesituation": lambda w: w.situation,
    "servicecenter.knowledgearticle": lambda w: w.article,
    "servicecenter.mobileofficestop": lambda w: w.stop,
    "account.emailaddress": lambda w: w.unverified_address,
    "mfa.authenticator": lambda w: Authenticator.objects.filter(user=w.users["agent"]).first(),
    "socialaccount.socialapp": lambda w: w.social_app,
    "socialaccount.socialtoken": lambda w: w.social_token,
    "socialaccount.socialaccount": lambda w: w.social_account,
}

ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def admin_model(pattern: Pattern) -> str | None:
    """ "app_label.model" for a page of a model's admin, else None."""
    match = ADMIN_MODEL_ROUTE.match(pattern.route)
    if not match:
        return None
    try:
        apps.get_model(match["app"], match["model"])
    except LookupError:
        return None  # admin/password_change/done/ and the like
    return f"{match['app']}.{match['model']}"


def _admin_kwargs(world, pattern: Pattern, label: str) -> dict:
    obj = ADMIN_OBJECTS[label](world)
    values = {"object_id": obj.pk, "pk": obj.pk, "id": obj.pk}
    if label == "defects.defectreport":
        values["photo_pk"] = world.withheld_photo.pk
    return {name: values[name] for name in param_names(pattern)}


def param_names(pattern: Pattern) -> list[str]:
    """The names of a route's parameters (path converters and regex groups)."""
    names = [m["name"] for m in PARAM.finditer(pattern.route)]
    names += re.findall(r"\(\?P<(\w+)>", pattern.route)
    return names


REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _fill(route: str, kwargs: dict) -> str:
    """A route with its parameters filled in (patterns without a name, or shadowed ones)."""
    filled = PARAM.sub(lambda m: str(kwargs[m["name"]]), route)
    filled = REGEX_GROUP.sub(lambda m: str(kwargs[m["name"]]), filled)
    return "/" + filled.replace("^", "").replace("$", "")


def concrete_urls(world, pattern: Pattern) -> dict[str, str]:
    """case label → path (with query) to request for this pattern; KeyError if unknown."""
    label = admin_model(pattern)
    special = ADMIN_SPECIAL.get(pattern.key)
    if special is not None:
        cases = {case: build(world) for case, build in special.items()}
    elif pattern.key in CASES:
        cases = {case: build(world) for case, build in CASES[pattern.key].items()}
    elif label is not None:
        cases = {ADMIN_CASE: (_admin_kwargs(world, pattern, label), "")}
    elif not param_names(pattern):
        cases = {"": ({}, "")}
    else:
        raise KeyError(pattern.key)
    urls = {}
    for case, (kwargs, query) in cases.items():
        if pattern.name and "@" not in pattern.key:
            path = reverse(pattern.name, kwargs=kwargs or None)
        else:
            path = _fill(pattern.route, kwargs)
        urls[case] = path + query
    return urls


ADMIN_CASE = ""

ADMIN_SPECIAL: dict[str, dict[str, Callable[[object], tuple[dict, str]]]] = {
    "admin:view_on_site": {
        "a proposal": lambda w: (
            {
                "content_type_id": ContentType.objects.get_for_model(w.proposal).pk,
                "object_id": w.proposal.pk,
            },
            "",
        ),
    },
    "admin:ideas_dossierexport_decision": {
        "council submission": lambda w: ({"pk": w.council_export.pk}, ""),
    },
    "admin:app_list": {"ideas": lambda w: ({"app_label": "ideas"}, "")},
    "admin/(?P<url>.*)$": {"unknown page": lambda w: ({"url": "gibt-es-nicht/"}, "")},
    "admin:defects_defectreport_change": {
        "report of department A": lambda w: ({"object_id": w.report.pk}, ""),
        "report of department B": lambda w: ({"object_id": w.report_b.pk}, ""),
    },
    "admin:servicecenter_ticket_change": {
        "citizen A's ticket": lambda w: ({"object_id": w.ticket.pk}, ""),
        "ticket forwarded to department A": lambda w: ({"object_id": w.forwarded_ticket.pk}, ""),
    },
}


# --- POST-only pages: pattern key → {case: (kwargs for reverse(), body)} -----------------------
def _proposal(attr: str, body: dict):
    return lambda w: ({"reference": getattr(w, attr).reference}, body)


def _forwarded(body: dict):
    return lambda w: ({"reference": w.forwarded_ticket.reference}, body)


PROPOSAL_POSTS = {
    "ideas:proposal_rate": {"value": 4},
    "ideas:proposal_withdraw_rating": {},
    "ideas:proposal_comment": {"text": "Ein Kommentar zur Sache."},
    "ideas:proposal_flag": {"reason": "Das ist Werbung."},
    "ideas:proposal_follow": {},
}

POST_CASES: dict[str, dict[str, Callable[[object], tuple[dict, dict]]]] = {
    **{
        key: {
            "citizen A's proposal": _proposal("proposal", body),
            "proposal of a process that is not public": _proposal("draft_proposal", body),
        }
        for key, body in PROPOSAL_POSTS.items()
    },
    "ideas:comment_delete": {"citizen A's comment": lambda w: ({"comment_id": w.comment.pk}, {})},
    "servicecenter:staff_reply": {
        "ticket forwarded to department A": _forwarded({"antwort-text": "Wir prüfen das."}),
    },
    "servicecenter:staff_note": {
        "ticket forwarded to department A": _forwarded({"notiz-text": "Vor Ort ansehen."}),
    },
    "servicecenter:staff_resolve": {
        "ticket forwarded to department A": _forwarded({"erledigen-text": "Ist repariert."}),
    },
    "servicecenter:staff_forward": {
        "ticket forwarded to department A": lambda w: (
            {"reference": w.forwarded_ticket.reference},
            {"weiterleiten-department": w.department_b.pk, "weiterleiten-reason": "Schule"},
        ),
    },
    "servicecenter:staff_send_back": {
        "ticket forwarded to department A": _forwarded({"zurueck-reason": "Nicht zuständig."}),
    },
    "servicecenter:staff_assign": {
        "ticket forwarded to department A": lambda w: (
            {"reference": w.forwarded_ticket.reference},
            {"zuweisen-agent": w.users["agent"].pk},
        ),
    },
    "servicecenter:staff_classify": {
        "ticket forwarded to department A": _forwarded({"einordnen-priority": "urgent"}),
    },
    "servicecenter:staff_close": {"ticket forwarded to department A": _forwarded({})},
    "servicecenter:staff_reopen": {"ticket forwarded to department A": _forwarded({})},
    "servicecenter:mobile_office_cancel": {
        "citizen A's appointment": lambda w: ({"pk": w.appointment.pk}, {"reason": "Krank."}),
    },
    "admin:logout": {"": lambda w: ({}, {})},
}


def post_requests(world, key: str) -> dict[str, tuple[str, dict]]:
    """case label → (path, body) of a POST-only page."""
    return {
        case: (reverse(key, kwargs=kwargs or None), body)
        for case, (kwargs, body) in (
            (case, build(world)) for case, build in POST_CASES[key].items()
        )
    }
