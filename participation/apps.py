"""The participation app, and its part of "Mein Bürgerkonto", the data export and the deletion.

The account parts of proposals live here too (through `apps.get_model`, without importing the
ideas app): participation may depend on the core, never on the apps built on top of it.
"""

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


def _describe(target) -> dict:
    """Name and link of what a contribution belongs to, never another person's text."""
    if target is None:
        return {"name": str(_("nicht mehr vorhanden")), "url": ""}
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
    if url:
        return {"name": str(target), "url": url}
    return {"name": f"{target._meta.verbose_name} #{target.pk}", "url": ""}


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _proposals_section(request) -> dict:
    proposal_model = apps.get_model("ideas", "Proposal")
    proposals = proposal_model.objects.filter(author=request.user).order_by("-created_at")
    return {
        "section_id": "vorschlaege",
        "title": _("Meine Vorschläge"),
        "empty": _("Sie haben noch keinen Vorschlag eingereicht."),
        "items": [
            {
                "name": str(proposal),
                "url": proposal.get_absolute_url(),
                "detail": proposal.get_status_display(),
            }
            for proposal in proposals
        ],
    }


def _generic_section(model_name: str, owner_field: str, section_id: str, title, empty, detail):
    def context(request) -> dict:
        model = apps.get_model("participation", model_name)
        rows = model.objects.filter(**{owner_field: request.user}).prefetch_related("target")
        if model_name == "Comment":
            rows = rows.filter(is_deleted=False)
        return {
            "section_id": section_id,
            "title": title,
            "empty": empty,
            "items": [{**_describe(row.target), "detail": detail(row)} for row in rows],
        }

    return context


def _export_proposals(user) -> list[dict]:
    proposal_model = apps.get_model("ideas", "Proposal")
    proposals = proposal_model.objects.filter(author=user).select_related(
        "pillar", "district", "process"
    )
    return [
        {
            "reference": proposal.reference,
            "title": proposal.title,
            "summary": proposal.summary,
            "text": proposal.text,
            "process": str(proposal.process),
            "pillar": str(proposal.pillar),
            "district": str(proposal.district) if proposal.district else None,
            "latitude": proposal.latitude,
            "longitude": proposal.longitude,
            "status": proposal.status,
            "official_answer": proposal.official_answer,
            "is_hidden": proposal.is_hidden,
            "images": [
                {"file": image.image.name, "alt_text": image.alt_text}
                for image in proposal.images.all()
            ],
            "created_at": _when(proposal.created_at),
            "url": proposal.get_absolute_url(),
        }
        for proposal in proposals.prefetch_related("images")
    ]


def _export_ratings(user) -> list[dict]:
    from .models import Rating

    return [
        {
            "target": _describe(rating.target),
            "value": rating.value,
            "created_at": _when(rating.created_at),
            "updated_at": _when(rating.updated_at),
        }
        for rating in Rating.objects.filter(user=user).prefetch_related("target")
    ]


def _export_comments(user) -> list[dict]:
    from .models import Comment

    return [
        {
            "id": comment.pk,
            "target": _describe(comment.target),
            "reply_to": comment.parent_id,
            "text": comment.text,
            "is_deleted": comment.is_deleted,
            "is_hidden": comment.is_hidden,
            "created_at": _when(comment.created_at),
            "edited_at": _when(comment.edited_at),
        }
        for comment in Comment.objects.filter(author=user).prefetch_related("target")
    ]


def _export_flags(user) -> list[dict]:
    from .models import Flag

    return [
        {
            "target": _describe(flag.target),
            "reason": flag.reason,
            "created_at": _when(flag.created_at),
            "resolved_at": _when(flag.resolved_at),
        }
        for flag in Flag.objects.filter(user=user).prefetch_related("target")
    ]


def _export_follows(user) -> list[dict]:
    from .models import Follow

    return [
        {"target": _describe(follow.target), "created_at": _when(follow.created_at)}
        for follow in Follow.objects.filter(user=user).prefetch_related("target")
    ]


def _forget_follows_and_open_flags(user) -> None:
    """Follows go; open reports go (nobody stands behind them any more); decided ones stay.

    Ratings, comments and proposals stay with the anonymised account, so every counter keeps
    its value and the discussions of other people keep their context.
    """
    from .models import Flag, Follow

    Follow.objects.filter(user=user).delete()
    Flag.objects.filter(user=user, resolved_at__isnull=True).delete()


class ParticipationConfig(AppConfig):
    """The participation engine: processes, phases, ratings, comments, flags, follows."""

    name = "participation"
    verbose_name = _("Beteiligung")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lohmar_portal.cache import bump_version
        from lohmar_portal.sections import register_account_section, register_personal_data

        from .models import PHASES_VERSION, Phase

        def phases_changed(**kwargs) -> None:
            bump_version(PHASES_VERSION)

        post_save.connect(phases_changed, sender=Phase, weak=False, dispatch_uid="phases-saved")
        post_delete.connect(phases_changed, sender=Phase, weak=False, dispatch_uid="phases-deleted")

        template = "lohmar_portal/account_section.html"
        register_account_section(order=10, template_name=template, context=_proposals_section)
        register_account_section(
            order=20,
            template_name=template,
            context=_generic_section(
                "Rating",
                "user",
                "bewertungen",
                _("Meine Bewertungen"),
                _("Sie haben noch nichts bewertet."),
                lambda rating: _("%(value)s von 5 Sternen") % {"value": rating.value},
            ),
        )
        register_account_section(
            order=30,
            template_name=template,
            context=_generic_section(
                "Comment",
                "author",
                "kommentare",
                _("Meine Kommentare"),
                _("Sie haben noch keinen Kommentar geschrieben."),
                lambda comment: comment.text[:120],
            ),
        )
        register_account_section(
            order=40,
            template_name=template,
            context=_generic_section(
                "Follow",
                "user",
                "abonnements",
                _("Beiträge, denen ich folge"),
                _("Sie folgen noch keinem Beitrag."),
                lambda follow: "",
            ),
        )
        register_personal_data(key="proposals", title=_("Vorschläge"), exporter=_export_proposals)
        register_personal_data(key="ratings", title=_("Bewertungen"), exporter=_export_ratings)
        register_personal_data(key="comments", title=_("Kommentare"), exporter=_export_comments)
        register_personal_data(key="flags", title=_("Meldungen"), exporter=_export_flags)
        register_personal_data(
            key="follows",
            title=_("Abonnements"),
            exporter=_export_follows,
            anonymiser=_forget_follows_and_open_flags,
        )
