"""Every write of the core goes through here."""

import io
import json
import secrets
import zipfile
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import District, ReferenceSequence, User
from .sections import personal_data


@transaction.atomic
def reserve_references(prefix: str, *, year: int, up_to: int) -> None:
    """Make sure `next_reference` never hands out numbers up to `up_to` (imported records)."""
    ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
    ReferenceSequence.objects.filter(prefix=prefix, year=year, last__lt=up_to).update(last=up_to)


@transaction.atomic
def next_reference(prefix: str, *, width: int = 4, year: int | None = None) -> str:
    """The next public reference of a kind, e.g. `VS-2026-0042`; gap-free per year.

    Call inside the transaction that saves the referenced object: the sequence row stays
    locked until it commits, so concurrent callers never get the same number (and no number
    is used up by a save that fails).
    """
    year = year or timezone.localdate().year
    updated = ReferenceSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(prefix=prefix, year=year, last=1)
        except IntegrityError:  # created concurrently: take the next number of that row
            ReferenceSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    last = ReferenceSequence.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year}-{last:0{width}d}"


@transaction.atomic
def update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    real_name: str,
    district: District | None,
    notify_status: bool = True,
    notify_replies: bool = True,
) -> User:
    """Change a person's public name, private real name, district and notification settings."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Sie können nur Ihr eigenes Profil ändern."))
    user.display_name = display_name
    user.real_name = real_name
    user.district = district
    user.notify_status = notify_status
    user.notify_replies = notify_replies
    user.full_clean(exclude=["password"])
    user.save(
        update_fields=["display_name", "real_name", "district", "notify_status", "notify_replies"]
    )
    return user


# --- Accounts and privacy -----------------------------------------------------------------------

DELETED_EMAIL_DOMAIN = "invalid"  # RFC 2606: never deliverable


def is_deleted(user: User) -> bool:
    """An account erased by `delete_account` (its row stays for the contributions)."""
    return not user.is_active and user.email.endswith(f"@{DELETED_EMAIL_DOMAIN}")


def trust_level(user: User) -> str | None:
    """The Vertrauensniveau the state account (BundID) last confirmed, from its claims."""
    claim = settings.BUNDID_TRUST_LEVEL_CLAIM
    account = (
        SocialAccount.objects.filter(user=user, provider=settings.BUNDID_PROVIDER_ID)
        .order_by("-last_login")
        .first()
    )
    if account is None:
        return None
    data = account.extra_data or {}
    for part in (data.get("id_token") or {}, data.get("userinfo") or {}, data):
        if isinstance(part, dict) and part.get(claim):
            return str(part[claim])
    return None


def _user_sessions(user: User) -> list[str]:
    """Keys of the person's sessions (decoded: Django stores no user column)."""
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.append(session.session_key)
    return keys


def _free_deleted_name() -> str:
    """ "gelöschtes Konto" plus a random suffix: public names are unique, case-insensitively."""
    while True:
        name = f"{_('gelöschtes Konto')} {secrets.token_hex(3)}"
        if not User.objects.filter(display_name__iexact=name).exists():
            return name


@transaction.atomic
def delete_account(*, actor: User, user: User) -> User:
    """Erase a person's account (GDPR Art. 17) and keep what belongs to the public.

    Personal data goes: e-mail addresses, names, district, password, sessions, social logins,
    second factors, follows and open reports. Public contributions stay under "gelöschtes
    Konto", ratings stay counted; the User row is kept, anonymised, so that nothing cascades
    into other people's content or changes a counter.
    """
    # Administrators act on a person's written request (Art. 17 also applies on paper).
    if actor.pk != user.pk and not (actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Sie können nur Ihr eigenes Konto löschen."))
    if is_deleted(user):
        return user
    for part in personal_data.values():
        if part.anonymiser:
            part.anonymiser(user)
    session_store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    for key in _user_sessions(user):
        session_store(session_key=key).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # their tokens cascade
    Authenticator.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"geloescht-{user.pk}@{DELETED_EMAIL_DOMAIN}"
    user.display_name = _free_deleted_name()
    user.real_name = ""
    user.district = None
    user.department = None
    user.notify_status = False
    user.notify_replies = False
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    _remove_exports(user)
    return user


@transaction.atomic
def remove_unverified_accounts(*, now: datetime | None = None) -> int:
    """Delete accounts whose e-mail address was never confirmed within the configured days.

    Only accounts without any contribution qualify (an unverified person cannot log in, so
    they have none); staff accounts and accounts with a social login are never touched.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCOUNT_UNVERIFIED_DELETE_DAYS)
    candidates = (
        User.objects.filter(date_joined__lt=cutoff, is_staff=False, last_login__isnull=True)
        .exclude(emailaddress__verified=True)
        .exclude(socialaccount__isnull=False)
    )
    removed = 0
    for user in candidates:
        if any(part.exporter(user) for part in personal_data.values()):
            continue
        user.delete()
        removed += 1
    return removed


# --- The data export (GDPR Art. 15 and 20) ------------------------------------------------------


class PrivateStorage(FileSystemStorage):
    """Files that only views checking the owner hand out; they have no public address."""

    def url(self, name):
        raise ValueError("Private files have no public URL.")


def private_storage() -> PrivateStorage:
    return PrivateStorage(location=settings.PRIVATE_MEDIA_ROOT)


def _export_dir(user: User) -> str:
    return f"exports/{user.pk}"


def _core_data(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "real_name": user.real_name,
        "district": str(user.district) if user.district else None,
        "notify_status": user.notify_status,
        "notify_replies": user.notify_replies,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "has_password": user.has_usable_password(),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
        # Which second factors exist, never their secrets.
        "second_factors": [
            {"type": authenticator.type, "created_at": authenticator.created_at.isoformat()}
            for authenticator in Authenticator.objects.filter(user=user)
        ],
        "social_logins": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": account.date_joined.isoformat(),
                "last_login": account.last_login.isoformat(),
                "claims": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user)
        ],
    }


def collect_personal_data(user: User) -> dict:
    """All data of one person the portal holds, as JSON-able data; nothing of anybody else."""
    data = {"account": _core_data(user)}
    for key, part in personal_data.items():
        data[key] = part.exporter(user)
    return data


def request_data_export(*, actor: User, user: User) -> None:
    """Queue the archive of a person's data; it is built by a worker and announced by e-mail."""
    if actor.pk != user.pk or is_deleted(user):
        raise PermissionDenied(_("Sie können nur Ihre eigenen Daten herunterladen."))
    from . import tasks

    tasks.enqueue(tasks.build_data_export, user_pk=user.pk)


def _readable(row) -> list[tuple[str, str]]:
    """One record as (field, value) pairs for the HTML summary; nested data as compact JSON."""
    if not isinstance(row, dict):
        return [("", str(row))]
    return [
        (
            key,
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str),
        )
        for key, value in row.items()
    ]


def build_data_export(user: User, *, now: datetime | None = None) -> str:
    """Write the ZIP archive (daten.json + uebersicht.html) and return its file name."""
    now = now or timezone.now()
    data = collect_personal_data(user)
    document = {
        "created_at": now.isoformat(),
        "portal": settings.PORTAL_BASE_URL,
        "controller": settings.PORTAL_CONTACT_ADDRESS,
        "data": data,
    }
    with translation.override(settings.LANGUAGE_CODE):
        titles = {"account": _("Konto")} | {
            key: str(part.title) for key, part in personal_data.items()
        }
        sections = [
            (titles[key], [_readable(row) for row in (rows if isinstance(rows, list) else [rows])])
            for key, rows in data.items()
        ]
        summary = render_to_string(
            "lohmar_portal/data_export_summary.html",
            {"sections": sections, "created_at": now, "document": document},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "daten.json", json.dumps(document, ensure_ascii=False, indent=2, default=str)
        )
        archive.writestr("uebersicht.html", summary)
    name = f"{int(now.timestamp())}-{secrets.token_urlsafe(24)}.zip"
    private_storage().save(f"{_export_dir(user)}/{name}", ContentFile(buffer.getvalue()))
    return name


def export_created_at(name: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(name.split("-", 1)[0]), tz=UTC)
    except ValueError:
        return None


def export_expires_at(name: str) -> datetime | None:
    created = export_created_at(name)
    return created + timedelta(days=settings.ACCOUNT_EXPORT_VALID_DAYS) if created else None


def data_exports(user: User, *, now: datetime | None = None) -> list[dict]:
    """The person's archives that can still be downloaded, newest first."""
    now = now or timezone.now()
    storage = private_storage()
    try:
        _dirs, files = storage.listdir(_export_dir(user))
    except FileNotFoundError:
        return []
    exports = []
    for name in files:
        expires = export_expires_at(name)
        if expires and expires > now:
            exports.append(
                {"name": name, "created_at": export_created_at(name), "expires": expires}
            )
    return sorted(exports, key=lambda export: export["created_at"], reverse=True)


class ExportExpired(Exception):
    """The archive exists, but its 7 days are over."""


def open_data_export(*, user: User, name: str, now: datetime | None = None):
    """The owner's archive as an open file; FileNotFoundError for anybody else's or none."""
    now = now or timezone.now()
    if "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    path = f"{_export_dir(user)}/{name}"
    storage = private_storage()
    if not storage.exists(path):
        raise FileNotFoundError(name)
    expires = export_expires_at(name)
    if expires is None or expires <= now:
        raise ExportExpired(name)
    return storage.open(path, "rb")


def _remove_exports(user: User) -> None:
    storage = private_storage()
    try:
        _dirs, files = storage.listdir(_export_dir(user))
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{_export_dir(user)}/{name}")


def remove_expired_exports(*, now: datetime | None = None) -> int:
    """Delete archives older than their validity (beat job)."""
    now = now or timezone.now()
    storage = private_storage()
    try:
        user_dirs, _files = storage.listdir("exports")
    except FileNotFoundError:
        return 0
    removed = 0
    for user_dir in user_dirs:
        _dirs, files = storage.listdir(f"exports/{user_dir}")
        for name in files:
            expires = export_expires_at(name)
            if expires is None or expires <= now:
                storage.delete(f"exports/{user_dir}/{name}")
                removed += 1
    return removed


# --- Accessibility feedback (BITV 2.0 § 7) ------------------------------------------------------


def send_accessibility_feedback(*, message: str, page_url: str, name: str, email: str) -> None:
    """Forward a barrier report to the responsible office by e-mail (after the commit)."""
    from . import tasks

    body = render_to_string(
        "lohmar_portal/email/accessibility_feedback.txt",
        {"message": message, "page_url": page_url, "name": name, "email": email},
    )
    tasks.enqueue(
        tasks.send_email,
        subject=_("[Bürgerportal] Rückmeldung zur Barrierefreiheit"),
        body=body,
        to=[settings.PORTAL_ACCESSIBILITY_EMAIL],
    )
