"""Onepane settings.

Everything that differs between machines comes from the environment:

- no ``DATABASE_URL``: a SQLite file next to ``manage.py`` (the demo);
- no ``REDIS_URL``: Celery runs tasks eagerly and the cache is local memory;
- ``DJANGO_ENV=production``: secure defaults, and ``SECRET_KEY`` must be set.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="onepane-development-only-not-secret-0123456789abcdef")
    DEBUG = env.bool("DEBUG", default=True)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"  # JSON under /api/

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "core",
    "portal",
    "notifications",
    "identity",
    "vendors",
    "deals",
    "leads",
    "campaigns",
    "content",
    "mdf",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "identity.sessions.LastSeenMiddleware",  # instead of allauth's: "last seen" without a write per request
    "django_htmx.middleware.HtmxMiddleware",
    "vendors.middleware.CurrentOrganizationMiddleware",
    "identity.mfa.MFARequiredMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vendors.context_processors.workspace",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Pages read a page of rows through indexes: a parallel worker's start-up (~20 ms) or JIT compilation of a plan
    # the planner thinks expensive (~300 ms) costs more than the query itself. Reports that need them set them back.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env.str("PG_SESSION_OPTIONS", default="-c max_parallel_workers_per_gather=0 -c jit=off")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage costs caching, not pages (core/cache.py): short timeouts, Redis skipped for SKIP_FOR
    # seconds after a failure, cache reads miss and writes do nothing meanwhile, logged once per LOG_EVERY seconds.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "SKIP_FOR": env.float("CACHE_SKIP_FOR", default=5.0),
            "LOG_EVERY": env.float("CACHE_LOG_EVERY", default=60.0),
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.25),
                "socket_timeout": env.float("CACHE_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, never only in the cache: a Redis outage must not log everyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # allauth's login by email, with addresses proven to be the account's only (core/addresses.py).
    "identity.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-guardian: no anonymous user row, never let a model-level permission mean "every row".
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# django-allauth: log in by email; nobody signs up into a tenant except by invitation.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False

# Local accounts (identity/account_adapter.py): no open sign-up; every account email (reset link,
# address verification, security notices) goes through the notifications outbox, one-time links erased
# once delivered. An address a person adds is verified by a link before it can be their primary address or
# receive a reset link. Verification is "optional" rather than "mandatory" at login: invited people and
# people provisioned by SSO arrive with a verified address already, and an account a platform admin made
# (no address record yet) must not be locked out by a verification step it cannot satisfy.
ACCOUNT_ADAPTER = "identity.account_adapter.AccountAdapter"
# Only addresses proven to be the account's log in; an address another account has cannot be added
# (core/addresses.py, docs/adr/0004-sso-account-linking.md "Email addresses").
ACCOUNT_FORMS = {"add_email": "identity.forms_accounts.AddEmailForm"}
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
# "Keep me logged in" keeps the session this long; unchecked, the session ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
# The sessions page shows when each session was last seen, recorded at most this often (seconds).
USERSESSIONS_TRACK_ACTIVITY = False
ONEPANE_SESSION_SEEN_EVERY = env.int("ONEPANE_SESSION_SEEN_EVERY", default=300)
# Rate limits (allauth; counted in the cache, so shared by every web process through Redis in production).
# Reached, they answer 429 with templates/429.html, which never says whether an account exists. MFA codes
# are counted under "login_failed" too (per person); security-key logins under MFA_RATE_LIMITS.
# Failed logins are counted per account ("key": the account the login names, whichever of its addresses is
# typed; the login as typed when it names none; identity/account_adapter.py), so wrong passwords lock
# only that account, from anywhere, and its right password then gets the 429 page too. The per-IP limits are
# loose: a whole office behind one NAT logs in through them, and only a flood from one address is stopped.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
# Behind a load balancer the client's address is the last one it appends to X-Forwarded-For: set this to the
# number of proxies in front of Onepane, or every client shares the proxy's address (and its rate limits).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
LOGIN_REDIRECT_URL = "portal:home"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# MFA (allauth.mfa): an authenticator app with recovery codes, and security keys (WebAuthn) where the browser
# has them. Security keys are a second factor only (no passwordless passkey login). Browsers and the server
# accept http://localhost as a secure origin, so local development needs no insecure-origin switch; use
# localhost rather than 127.0.0.1 (a WebAuthn relying party cannot be an IP address). An organization may
# require MFA of everyone (identity/mfa.py); the code forms answer 429 once allauth's limit on failed
# codes (ACCOUNT_RATE_LIMITS "login_failed", per person) is reached.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Onepane"
MFA_TOTP_TOLERANCE = 1  # one 30-second step either way, for phones whose clock drifts
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_FORMS = {
    "authenticate": "identity.mfa.AuthenticateForm",
    "reauthenticate": "identity.mfa.ReauthenticateForm",
}

# Single sign-on (identity/adapters.py, services.py): each organization's own IdP, OpenID Connect or
# SAML 2.0, stored as IdentityProvider rows that keep an allauth SocialApp in step (never configured here).
# The IdP's organization decides: only verified emails of its verified domains, just-in-time provisioning into
# it with the IdP's default role, linking only by that verified email (docs/adr/0004-sso-account-linking.md).
# allauth's own email-based linking stays off; the login page's home-realm discovery starts the IdP login
# from its own POST, so GET requests never start one.
SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10  # allauth's own; its fetches go through core/outbound.py's limits below

# Outbound requests to addresses a tenant chooses (core/outbound.py: an IdP's OpenID discovery, token, userinfo
# and key URLs, SAML metadata URLs; later CRM and webhook endpoints): https only, to public internet addresses only
# (loopback, private, link-local, CGNAT, reserved ranges refused; the address checked is the one connected to),
# timeouts in seconds, a size limit in bytes, each redirect checked. ONEPANE_OUTBOUND_ALLOW_LOOPBACK lets an IdP on
# this machine be used, over plain http too (http://127.0.0.1:…, http://localhost:…): the tests turn it on for
# the IdPs they start, local development may through the environment; it cannot be set in production. Private
# networks are refused everywhere.
ONEPANE_OUTBOUND_ALLOW_LOOPBACK = env.bool("ONEPANE_OUTBOUND_ALLOW_LOOPBACK", default=False)
if PRODUCTION and ONEPANE_OUTBOUND_ALLOW_LOOPBACK:
    raise ImproperlyConfigured("ONEPANE_OUTBOUND_ALLOW_LOOPBACK cannot be set when DJANGO_ENV=production.")
ONEPANE_OUTBOUND_CONNECT_TIMEOUT = env.float("ONEPANE_OUTBOUND_CONNECT_TIMEOUT", default=5.0)
ONEPANE_OUTBOUND_READ_TIMEOUT = env.float("ONEPANE_OUTBOUND_READ_TIMEOUT", default=10.0)
ONEPANE_OUTBOUND_DEADLINE = env.float("ONEPANE_OUTBOUND_DEADLINE", default=20.0)  # for a whole response
ONEPANE_OUTBOUND_MAX_BYTES = env.int("ONEPANE_OUTBOUND_MAX_BYTES", default=2 * 1024 * 1024)
ONEPANE_OUTBOUND_MAX_REDIRECTS = env.int("ONEPANE_OUTBOUND_MAX_REDIRECTS", default=3)
# SAML IdPs configured by a metadata URL: the URL is fetched (guarded) when the IdP is saved and again this often.
ONEPANE_SAML_METADATA_REFRESH_EVERY = env.float("ONEPANE_SAML_METADATA_REFRESH_EVERY", default=4 * 3600.0)

# Email domain claims (identity/services.py): a platform admin can always verify a pending claim in the
# admin. With ONEPANE_DOMAIN_TXT_VERIFICATION on, an organization's admin can also prove a claim through DNS:
# the single sign-on page names the record to publish, a TXT record at _onepane-challenge.<domain> (a name of
# its own, apart from the domain's SPF and other TXT records, and one a CNAME can delegate) with the value
# onepane-domain-verification=<the claim's token>; "Check now" looks it up, and a beat job re-checks up to
# ONEPANE_DOMAIN_TXT_CHECK_BATCH pending claims (those checked longest ago first) every
# ONEPANE_DOMAIN_TXT_CHECK_EVERY seconds. A matching record verifies the claim as the admin's action does.
# Lookups go to ONEPANE_DNS_NAMESERVERS, IP addresses with an optional port ("192.0.2.53:53,[2001:db8::53]:53"),
# or by default to the system resolver (/etc/resolv.conf); each gives up after ONEPANE_DNS_TIMEOUT seconds.
ONEPANE_DOMAIN_TXT_VERIFICATION = env.bool("ONEPANE_DOMAIN_TXT_VERIFICATION", default=False)
ONEPANE_DNS_NAMESERVERS = env.list("ONEPANE_DNS_NAMESERVERS", default=[])
ONEPANE_DNS_TIMEOUT = env.float("ONEPANE_DNS_TIMEOUT", default=5.0)
ONEPANE_DOMAIN_TXT_CHECK_BATCH = env.int("ONEPANE_DOMAIN_TXT_CHECK_BATCH", default=50)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, WhiteNoise serves straight from the app and project static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Onepane <no-reply@onepane.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identity.tokens.ApiTokenAuthentication",  # Authorization: Bearer op_... (personal API tokens)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only (with a size and a depth limit); the one operation that takes a file declares multipart itself.
    "DEFAULT_PARSER_CLASSES": ["core.api_negotiation.JSONParser"],
    "DEFAULT_METADATA_CLASS": "core.api_negotiation.Metadata",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Onepane API",
    "DESCRIPTION": "The partner portal's REST API: the same data and visibility as the web pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": the partnership's keeps the name it always had, a deal's gets its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "vendors.models.Partnership.Status",
        "DealStatusEnum": "deals.models.DealRegistration.Status",
        # Every country field (a deal's customer, a lead, an organization) and every time zone: one enum each.
        "CountryEnum": "core.places.country_choices",
        "TimeZoneEnum": "core.places.TIME_ZONES",
    },
}

# Celery: Redis as the broker when REDIS_URL is set, otherwise tasks run in the request (the demo).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="onepane")
# A request that cannot reach Redis gives up quickly: the outbox row is written and the beat re-sends it.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing retries once, at once (Celery's default is three retries with waits): a request is not held.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died unacknowledged goes back to the queue after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A broker that accepted the connection but does not answer (hung, or gone behind a firewall) is given up
    # after this many seconds; without it a publish waits forever, and the request with it.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
}
# The beat's jobs: each app declares its own in <app>/schedule.py, merged into Celery's schedule at startup
# (portal/apps.py). Jobs no app owns would go here.
CELERY_BEAT_SCHEDULE: dict = {}
# Email domain claims: the beat job that looks up pending claims' TXT records (a no-op unless
# ONEPANE_DOMAIN_TXT_VERIFICATION is on) runs this often (seconds).
ONEPANE_DOMAIN_TXT_CHECK_EVERY = env.float("ONEPANE_DOMAIN_TXT_CHECK_EVERY", default=600.0)

# Notifications: emails not delivered this many seconds after they were handed to Celery are handed over
# again by the beat; a refused email is tried this many times (with exponential backoff) before it is failed.
ONEPANE_EMAIL_RESEND_AFTER = env.int("ONEPANE_EMAIL_RESEND_AFTER", default=120)
ONEPANE_EMAIL_MAX_ATTEMPTS = env.int("ONEPANE_EMAIL_MAX_ATTEMPTS", default=5)
ONEPANE_EMAIL_RETRY_BASE = env.int("ONEPANE_EMAIL_RETRY_BASE", default=30)
ONEPANE_EMAIL_DOMAIN = env.str("ONEPANE_EMAIL_DOMAIN", default="onepane.local")
# How often the bell on every page asks for the unread count, in seconds.
ONEPANE_BELL_POLL_SECONDS = env.int("ONEPANE_BELL_POLL_SECONDS", default=20)

ONEPANE_INVITATION_DAYS = env.int("ONEPANE_INVITATION_DAYS", default=7)
ONEPANE_BASE_URL = env.str("ONEPANE_BASE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Deal registration: attachments up to this size (bytes); the beat job that expires registrations and warns
# 14 and 3 days before runs this often (seconds).
ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = env.int("ONEPANE_DEAL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ONEPANE_DEAL_EXPIRY_EVERY = env.float("ONEPANE_DEAL_EXPIRY_EVERY", default=3600.0)

# Leads: a CSV or XLSX file of leads to import can be at most this size (bytes).
ONEPANE_LEAD_IMPORT_MAX_BYTES = env.int("ONEPANE_LEAD_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# Leads: the beat job that recalls offers past their deadline and routes them to the next partner runs this often.
ONEPANE_LEAD_RECALL_EVERY = env.float("ONEPANE_LEAD_RECALL_EVERY", default=300.0)
# Leads: the beat job that reminds partners of offers nearing their deadline (once per offer) runs this often.
ONEPANE_LEAD_REMIND_EVERY = env.float("ONEPANE_LEAD_REMIND_EVERY", default=900.0)
