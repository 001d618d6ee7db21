"""Settings of the Lohmar Bürgerportal, driven by environment variables.

Unset variables give the embedded defaults for trying the portal out (SQLite file, Celery tasks
in-process, local-memory cache, e-mail on the console). Production sets DEBUG=0 and must then
name SECRET_KEY and ALLOWED_HOSTS. Every variable is listed in `.env.example` and the README.
"""

import secrets
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _dev_secret_key() -> str:
    """A random key kept in a git-ignored file, so sessions survive a restart of `make run`."""
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _dev_secret_key()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    _missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            f"DEBUG is off (production), but {' and '.join(_missing)} "
            f"{'is' if len(_missing) == 1 else 'are'} not set. Set them in the environment "
            "or in .env (see .env.example); the portal does not start without them."
        )
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "lohmar_portal",
    "participation",
    "ideas",
    "defects",
    "servicecenter",
    "lohmar_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lohmar_portal.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database away: 503 with Retry-After instead of a 500 (lohmar_portal/middleware.py).
    "lohmar_portal.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "lohmar_portal.cache.ContentVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lohmar_portal.middleware.GermanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A write request's changes commit together or not at all (see the class).
    "lohmar_portal.middleware.AtomicWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's lock after failed logins answers 429, not 200 (lohmar_portal/middleware.py).
    "lohmar_portal.middleware.failed_login_lock",
    # A 405 is a page in the visitor's language, not Django's empty answer.
    "lohmar_portal.middleware.method_not_allowed_page",
]

ROOT_URLCONF = "lohmar_portal.urls"
WSGI_APPLICATION = "lohmar_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lohmar_portal.context_processors.portal",
                "lohmar_portal.context_processors.content_version",
            ],
        },
    },
]
FORM_RENDERER = "lohmar_portal.forms.PortalFormRenderer"

# --- Database -----------------------------------------------------------------------------------
# Persistent connections: a new PostgreSQL connection per request costs ~4 ms of CPU here.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Select widgets iterate querysets; server-side cursors would add round trips for a few rows
    # (and break behind a transaction-pooling proxy).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Fail fast (503 via /healthz, errors in views) instead of hanging when the server is away.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
else:
    # SQLite (trying the portal out) builds covering indexes without their extra columns; the
    # warning about it would open every command's output.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, result store and cache ----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that treats an unreachable Redis as an empty cache (pages are
            # rendered, sessions read from the database) instead of failing the request.
            "BACKEND": "lohmar_portal.cache_backend.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="lohmar"),
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.25),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
                # After a failure Redis is left alone this long (seconds) by each process.
                "RETRY_INTERVAL": env.float("CACHE_RETRY_INTERVAL", default=1.0),
                # Writes missed during an outage must not leave stale pages behind.
                "ON_RECOVERY": "lohmar_portal.cache.bump_content_version",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the portal still works: tasks run in-process, right after the commit.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A Redis that does not answer must not hold a request: connecting gives up after a second,
# a send after five (longer than the workers' one-second wait for new tasks); the task then
# waits in the outbox.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers an unacknowledged task after this; longer than the hard time limit.
    "visibility_timeout": 3600,
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
}
# A task whose publishing fails (broker away) waits in the outbox (lohmar_portal.QueuedTask)
# until the broker is back (a worker reconnecting or starting, the beat every minute); sent rows
# are kept this long for the record.
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=7)

# --- Auth and accounts (django-allauth) ---------------------------------------------------------
AUTH_USER_MODEL = "lohmar_portal.User"
# Django's and allauth's backends, with the signed-in account kept in the cache (backends.py).
AUTHENTICATION_BACKENDS = [
    "lohmar_portal.backends.ModelBackend",
    "lohmar_portal.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name", "real_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "lohmar_portal.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "lohmar_portal.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bürgerportal Lohmar] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Enumeration stays prevented: a taken address gets the same answer, its owner gets a notice.
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits are on by default; they are named here to be visible and tunable.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("PORTAL_CITY_NAME", default="Lohmar") + " Bürgerportal"

# The state account (BundID or a Land's Servicekonto) through OpenID Connect. Off, without a
# button, while BUNDID_OIDC_ISSUER, _CLIENT_ID or _CLIENT_SECRET is unset. A SAML connection is
# configured the same way with allauth's "saml" provider (see the README).
SOCIALACCOUNT_ADAPTER = "lohmar_portal.adapters.SocialAccountAdapter"
BUNDID_PROVIDER_ID = "bundid"
BUNDID_OIDC_ISSUER = env.str("BUNDID_OIDC_ISSUER", default="").rstrip("/")
BUNDID_OIDC_CLIENT_ID = env.str("BUNDID_OIDC_CLIENT_ID", default="")
BUNDID_OIDC_CLIENT_SECRET = env.str("BUNDID_OIDC_CLIENT_SECRET", default="")
BUNDID_OIDC_SCOPES = env.list("BUNDID_OIDC_SCOPES", default=["openid", "email", "profile"])
BUNDID_OIDC_NAME = env.str("BUNDID_OIDC_NAME", default="BundID")
# The claim carrying the Vertrauensniveau (e.g. "substantiell", "hoch"); stored with the login.
BUNDID_TRUST_LEVEL_CLAIM = env.str("BUNDID_TRUST_LEVEL_CLAIM", default="acr")


def bundid_providers(issuer: str, client_id: str, secret: str, scopes, name: str) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for the state account, or {} when not configured."""
    if not (issuer and client_id and secret):
        return {}
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": BUNDID_PROVIDER_ID,
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": issuer,
                        "token_auth_method": "client_secret_post",
                        "scope": list(scopes),
                    },
                }
            ],
        }
    }


SOCIALACCOUNT_PROVIDERS = bundid_providers(
    BUNDID_OIDC_ISSUER,
    BUNDID_OIDC_CLIENT_ID,
    BUNDID_OIDC_CLIENT_SECRET,
    BUNDID_OIDC_SCOPES,
    BUNDID_OIDC_NAME,
)
# A state account with a verified e-mail address logs into the Bürgerkonto of that address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
# locale/formal: django-allauth's German in the formal "Sie" a city uses. makemessages writes
# only to the first path; the second wins over allauth's own catalogue all the same.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "formal"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The KERN design system, installed by npm from package-lock.json (never from a CDN).
    ("kern", BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist"),
    # Leaflet for the maps, from npm as well.
    ("leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    # Marker clusters for the defect map.
    ("leaflet-markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Bürgerportal Lohmar <portal@lohmar.de>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The city -----------------------------------------------------------------------------------
PORTAL_CITY_NAME = env.str("PORTAL_CITY_NAME", default="Lohmar")
# The public address of the portal, for links in e-mails sent by workers (no request there).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The city outline (GeoJSON); points outside it are refused. The demo outline is approximate.
PORTAL_BOUNDARY_FILE = Path(
    env.str(
        "PORTAL_BOUNDARY_FILE",
        default=str(BASE_DIR / "lohmar_portal" / "data" / "lohmar_boundary.geojson"),
    )
)
PORTAL_MAP_CENTER = (50.8394, 7.2164)
# Map tiles are the one third-party request a page may make (browser only, never the server).
PORTAL_MAP_TILES_URL = env.str(
    "PORTAL_MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
PORTAL_MAP_TILES_ATTRIBUTION = env.str(
    "PORTAL_MAP_TILES_ATTRIBUTION", default="© OpenStreetMap-Mitwirkende"
)

# --- Dossier exports ----------------------------------------------------------------------------
# Files live under MEDIA_ROOT/private/exports and are served only to staff (never as /media/).
IDEAS_EXPORT_EXPIRY_DAYS = env.int("IDEAS_EXPORT_EXPIRY_DAYS", default=14)
IDEAS_EXPORT_STALE_MINUTES = env.int("IDEAS_EXPORT_STALE_MINUTES", default=15)
IDEAS_EXPORT_PDF_DETAILS_PER_PILLAR = env.int("IDEAS_EXPORT_PDF_DETAILS_PER_PILLAR", default=25)
IDEAS_EXPORT_PDF_LIST_PER_PILLAR = env.int("IDEAS_EXPORT_PDF_LIST_PER_PILLAR", default=200)
IDEAS_OPEN_DATA_LICENCE = env.str(
    "IDEAS_OPEN_DATA_LICENCE",
    default="Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)",
)
IDEAS_OPEN_DATA_LICENCE_URL = env.str(
    "IDEAS_OPEN_DATA_LICENCE_URL", default="https://www.govdata.de/dl-de/by-2-0"
)

# --- Participation ------------------------------------------------------------------------------
# Open reports that hide a contribution until a moderator decides.
PARTICIPATION_FLAG_THRESHOLD = env.int("PARTICIPATION_FLAG_THRESHOLD", default=3)
PORTAL_CONTACT_ADDRESS = env.str(
    "PORTAL_CONTACT_ADDRESS", default="Stadt Lohmar, Rathausstraße 4, 53797 Lohmar"
)

# --- Mängelmelder -------------------------------------------------------------------------------
# Open reports of the same category this close (metres) are offered before a new one is filed.
DEFECTS_DUPLICATE_RADIUS_M = env.int("DEFECTS_DUPLICATE_RADIUS_M", default=50)
# Reports of people without an account wait this long for the confirmation link, then go.
DEFECTS_CONFIRMATION_DAYS = env.int("DEFECTS_CONFIRMATION_DAYS", default=7)
DEFECTS_MAX_PHOTOS = 3
DEFECTS_MAX_PHOTO_BYTES = env.int("DEFECTS_MAX_PHOTO_BYTES", default=10 * 1024 * 1024)
# The map's GeoJSON never carries more features than this (the newest win).
DEFECTS_GEOJSON_LIMIT = env.int("DEFECTS_GEOJSON_LIMIT", default=2000)
# Open311: the jurisdiction this server answers for (any given jurisdiction_id must match).
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="lohmar.de")

# --- Service center -----------------------------------------------------------------------------
# Business time for the service levels: opening hours, weekdays (0 = Monday) and the state whose
# public holidays close the office (NW = Nordrhein-Westfalen); closing days are kept in admin.
SERVICECENTER_OPENING_HOURS = tuple(
    time.fromisoformat(value)
    for value in env.str("SERVICECENTER_OPENING_HOURS", default="08:00-18:00").split("-")
)
SERVICECENTER_BUSINESS_DAYS = tuple(
    env.list("SERVICECENTER_BUSINESS_DAYS", cast=int, default=[0, 1, 2, 3, 4])
)
SERVICECENTER_HOLIDAY_REGION = env.str("SERVICECENTER_HOLIDAY_REGION", default="NW")
# The 115 service promise: the share of tickets resolved at first contact the city aims for.
SERVICECENTER_FIRST_CONTACT_TARGET = env.float("SERVICECENTER_FIRST_CONTACT_TARGET", default=0.65)
# Attachments on tickets (web, postbox, e-mail): bytes each at most, and how many per message.
SERVICECENTER_MAX_ATTACHMENT_BYTES = env.int(
    "SERVICECENTER_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024
)
SERVICECENTER_MAX_ATTACHMENTS = env.int("SERVICECENTER_MAX_ATTACHMENTS", default=5)
# Contact data of tickets without an account are erased this long after the ticket is closed.
SERVICECENTER_CONTACT_RETENTION_DAYS = env.int("SERVICECENTER_CONTACT_RETENTION_DAYS", default=365)
# Inbound e-mail: the address citizens write to; replies carry the reference in the subject.
SERVICECENTER_EMAIL = env.str("SERVICECENTER_EMAIL", default="service@lohmar.de")
# The department that runs the service center; its lead hears of late unforwarded tickets.
SERVICECENTER_DEPARTMENT = env.str("SERVICECENTER_DEPARTMENT", default="digitalisierung")

# --- Accounts and privacy -----------------------------------------------------------------------
# Data archives (GDPR Art. 15/20) live here, outside every public URL, served to the owner only.
# Outside MEDIA_ROOT on purpose: no alias for /media/ can ever expose data archives or dossiers.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
# Uploads only permission-checked views serve (ticket files, unreleased defect photos).
STORAGES["private"] = {
    "BACKEND": "lohmar_portal.storage.PrivateFileStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT / "uploads")},
}
ACCOUNT_EXPORT_VALID_DAYS = env.int("ACCOUNT_EXPORT_VALID_DAYS", default=7)
# Accounts whose e-mail address was never confirmed are removed after this many days.
ACCOUNT_UNVERIFIED_DELETE_DAYS = env.int("ACCOUNT_UNVERIFIED_DELETE_DAYS", default=14)
# Where barrier reports from the accessibility statement's feedback form go (BITV 2.0 § 7).
PORTAL_ACCESSIBILITY_EMAIL = env.str(
    "PORTAL_ACCESSIBILITY_EMAIL", default="barrierefreiheit@lohmar.de"
)

# --- Security -----------------------------------------------------------------------------------
# Sessions are read from the cache (Redis in production) and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PORTAL_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's health probe speaks plain HTTP inside the host.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Proxies in front of the portal that append to X-Forwarded-For: rate limits (allauth's and the
# portal's own, lohmar_portal/ratelimit.py) then count the client's address, not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# No inline script, no third-party requests but the configured map tiles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", _origin(PORTAL_MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
