"""Demo data of the core: Lohmar's districts, departments and a staff account for trying it out."""

import json
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.utils.text import slugify

from .models import Department, District, User

DATA = Path(__file__).parent / "demo_data" / "city.json"
STAFF_EMAIL = "verwaltung@lohmar.example"
CREDENTIALS = settings.BASE_DIR / ".demo-credentials.json"


def load(log) -> None:
    """Create or update the city's districts and departments, and the demo staff account."""
    data = json.loads(DATA.read_text())
    for name in data["districts"]:
        District.objects.update_or_create(slug=slugify(name), defaults={"name": name})
    for department in data["departments"]:
        Department.objects.update_or_create(
            slug=department["slug"],
            defaults={key: department[key] for key in ("name", "email", "description")},
        )
    log(f"{len(data['districts'])} Ortsteile, {len(data['departments'])} Fachbereiche")
    if settings.DEBUG:
        _demo_staff(log)
    else:
        log("DEBUG is off: no demo staff account is created in production.")


def _demo_staff(log) -> None:
    """A superuser with a password and TOTP secret kept in a git-ignored file of this folder."""
    credentials = json.loads(CREDENTIALS.read_text()) if CREDENTIALS.exists() else {}
    user = User.objects.filter(email=STAFF_EMAIL).first()
    if user is None or "password" not in credentials:
        credentials = {"password": secrets.token_urlsafe(12), "totp_secret": generate_totp_secret()}
        if user is None:
            user = User.objects.create_superuser(
                STAFF_EMAIL,
                credentials["password"],
                display_name="Stadtverwaltung Lohmar",
                department=Department.objects.get(slug="digitalisierung"),
            )
        else:
            user.set_password(credentials["password"])
            user.save(update_fields=["password"])
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(user, credentials["totp_secret"])
        CREDENTIALS.write_text(json.dumps(credentials))
        CREDENTIALS.chmod(0o600)
    EmailAddress.objects.update_or_create(
        user=user, email=STAFF_EMAIL, defaults={"verified": True, "primary": True}
    )
    log(
        f"Staff login: {STAFF_EMAIL} / {credentials['password']}  "
        f"(TOTP secret for your authenticator app: {credentials['totp_secret']}; "
        "current code: .venv/bin/python manage.py demo_totp)"
    )
