"""Settings, read from the environment (12-factor). See README.md for the variables."""

from datetime import timedelta
from pathlib import Path

import environ

from registry.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# What DJANGO_DEBUG chose, kept apart from DEBUG, which the test runner and the benchmarks turn
# off: the embedded database is refused only in production (registry/database.py).
DEVELOPMENT = DEBUG
# Required in production, but only where something is signed: Django refuses an empty key
# when a request needs it, so management commands (migrate, makemigrations) run without one.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="utveckling-endast-inte-for-produktion" if DEBUG else ""
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Proxies (addresses or networks) whose X-Forwarded-For is believed: registry/clients.py.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "reversion",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "actors",
    "agreements",
    "commitments",
    "followup",
]

MIDDLEWARE = [
    "registry.middleware.HealthCheckMiddleware",  # /healthz, /readyz: before the host check
    "django.middleware.security.SecurityMiddleware",
    "registry.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # With i18n_patterns(prefix_default_language=False) in registry/urls.py this gives Swedish
    # to every address without /en/, whatever the browser prefers (the admin included).
    "django.middleware.locale.LocaleMiddleware",
    "registry.request_checks.RefuseNulMiddleware",  # 400 in the visitor's language
    # Old query parameter names (lan, datum, avgransare …) → 301 to the new ones.
    "registry.parameters.RenamedParametersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.middleware.DatabaseUnavailableMiddleware",
    "registry.throttling.PageThrottleMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password
    "django.contrib.auth.backends.ModelBackend",
]

# The admin's agreement page posts every part of an agreement: about 20 fields per commitment,
# so the Norrbotten agreement (51 commitments) posts some 1,300 and a 200-commitment agreement
# some 4,500. Django's default of 1,000 refused such a save outright.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

ROOT_URLCONF = "registry.urls"
WSGI_APPLICATION = "registry.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": database_settings()}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept for the worker's life: PostgreSQL reads the search dictionary
# (agreements/search.py) once per connection, about 0.15 s, which a connection closed after a
# quiet minute made the next visitor's search pay. The health check replaces one the server
# closed (a restart).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=None)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).update(
    # A server that does not answer fails the request in seconds (a 503, see
    # registry/middleware.py) instead of holding a worker.
    connect_timeout=env.int("DATABASE_CONNECT_TIMEOUT", default=5),
    # PostgreSQL's JIT compiles the expressions of a query over many rows, and then ranked a
    # search for a common word at 200,000 agreements in 0.9 s instead of 0.6 s.
    options="-c jit=off",
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# In development (and tests) WhiteNoise serves straight from the app folders; in production
# from STATIC_ROOT after collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# Files: attachments ("default") and finished PDFs ("pdf", agreements/pdf_cache.py; ZIPs of
# large selections under zip/, agreements/pdf_zip.py) go through Django's storage API. By
# default local directories (MEDIA_ROOT, DJANGO_PDF_CACHE_DIR), enough
# for one server; with DJANGO_S3_BUCKET set, S3-compatible object storage (django-storages:
# AWS S3, MinIO, Ceph …) that every app server and worker shares. Credentials come the usual
# boto3 way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role).
S3_BUCKET = env("DJANGO_S3_BUCKET", default="")
if S3_BUCKET:
    _s3_endpoint = env("DJANGO_S3_ENDPOINT_URL", default="") or None
    _s3 = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": _s3_endpoint,
        "region_name": env("DJANGO_S3_REGION", default="") or None,
        # MinIO and other self-hosted services answer at one address: /bucket/key.
        "addressing_style": env(
            "DJANGO_S3_ADDRESSING_STYLE", default="path" if _s3_endpoint else "auto"
        ),
        "default_acl": None,  # private; files are served through the registry's own views
        "querystring_auth": True,
    }
    _storages = {
        # Never replace an attachment that happens to have the same name (as on disk).
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3, "location": "media", "file_overwrite": False},
        },
        "pdf": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3, "location": "cache/pdf", "file_overwrite": True},
        },
    }
else:
    _storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "pdf": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": env(
                    "DJANGO_PDF_CACHE_DIR",
                    default=str(BASE_DIR / "var" / "cache" / "pdf-documents"),
                ),
                "allow_overwrite": True,
            },
        },
    }
STORAGES = {
    **_storages,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

FIXTURES_DIR = BASE_DIR / "fixtures"

# Background jobs (agreements/tasks.py): Django's task API (django.tasks from Django 6.0; the
# django-tasks backport until then) with its database backend, a queue in the registry's own
# PostgreSQL that `manage.py db_worker` works through, on one machine or several. No broker to
# run: the servers already share PostgreSQL. DJANGO_TASKS_IMMEDIATE=1 runs each job at once in
# the process that asks for it (the tests, a single server without a worker, and development,
# where `make run` starts no worker).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env.bool("DJANGO_TASKS_IMMEDIATE", default=DEBUG)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# After a published agreement is saved, its PDF is rendered by a background job, so that the
# first visitor to ask for it does not wait (agreements/pdf_signals.py). Not in development,
# where it would only make `make run`'s loading of the examples slower.
PDF_PRERENDER_ON_PUBLISH = env.bool("DJANGO_PDF_PRERENDER_ON_PUBLISH", default=not DEBUG)
# After a published change, each process keeps serving its catalogue index while a thread
# builds the new one (agreements/catalogue_index.py), so that no reader waits for a rebuild.
# In development and the tests the request that notices the change rebuilds at once, so that
# a change is seen by the very next request.
CATALOGUE_REBUILD_IN_BACKGROUND = env.bool(
    "DJANGO_CATALOGUE_REBUILD_IN_BACKGROUND", default=not DEBUG
)

API_ANON_RATE = env("API_ANON_RATE", default="120/min")
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)
# Limits per client address for anonymous visitors (registry/throttling.py).
PAGE_RATE = env("DJANGO_PAGE_RATE", default="300/min")
EXPENSIVE_RATE = env("DJANGO_EXPENSIVE_RATE", default="10/min")  # PDF, ZIP, reports, CSV
TOKEN_FAILURE_LIMIT = env.int("DJANGO_TOKEN_FAILURE_LIMIT", default=10)
TOKEN_FAILURE_WINDOW = env.int("DJANGO_TOKEN_FAILURE_WINDOW", default=15 * 60)  # seconds
# How long a shared cache (a proxy) may keep a public PDF. Short, so that an unpublished
# agreement is gone within a minute; the ETag makes the next request cheap.
PUBLIC_DOCUMENT_MAX_AGE = env.int("DJANGO_PUBLIC_DOCUMENT_MAX_AGE", default=60)

# "default": the cache shared by every worker process and machine: the throttling counters, the
# health check and an import file waiting for its confirmation (agreements/importing.py).
# Django's database cache in the registry's own PostgreSQL (table
# registry_cache, made UNLOGGED by `manage.py createcachetable`, which setup_registry runs, so
# that a counter's write costs no WAL; PostgreSQL empties it after a crash): every
# process and machine already shares that server, so the limits hold without another service
# to run and secure. A throttled request costs one statement (registry/throttling.py); the
# cache's other writes (the health check's, a PDF's pointer) count the table first, and cull
# it when it holds more than MAX_ENTRIES rows, expired ones first. A Redis server can be used
# instead with DJANGO_CACHE_URL=redis://… (Django's own backend with the redis client, which
# the registry installs).
# "pdf": finished PDF documents (agreements/pdf_cache.py): the documents in STORAGES["pdf"],
# their generations and pointers in "default", so that every server and worker shares them.
# A document unused for TIMEOUT seconds goes at the next `manage.py pdf_prerender`.
CACHES = {
    "default": env.cache_url("DJANGO_CACHE_URL", default="dbcache://registry_cache"),
    "pdf": {
        "BACKEND": "agreements.pdf_cache.StorageCache",
        "LOCATION": "pdf",
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"POINTERS": "default"},
    },
    # "pages": the agreement pages' articles, the catalogue's addresses, the county pages and
    # the API's list of agreements (agreements/page_cache.py), in each process's memory, so
    # that a new deploy never serves an old template's HTML; the generation they are kept
    # under is in "default". Nothing is kept in development, where templates change.
    "pages": {
        "BACKEND": "django.core.cache.backends.dummy.DummyCache"
        if DEBUG
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        # 15-80 KB each (an agreement's article, a catalogue page, a county page, a list of 50).
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.authentication.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "registry.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "registry.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["registry.throttling.AnonymousThrottle"],
    "EXCEPTION_HANDLER": "registry.api_input.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "ORDERING_PARAM": "ordering",
    # JSON with a limit on nesting and Swedish errors (registry/api_input.py).
    "DEFAULT_PARSER_CLASSES": [
        "registry.api_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Samverkansregistret API",
    "DESCRIPTION": (
        "Öppna data om överenskommelser om samverkan för nyanländas etablering: centrala, "
        "regionala och lokala överenskommelser, parter, åtaganden, uppföljningar och "
        "mottagande. Läsning är öppen för alla och ger bara publicerade uppgifter; handläggare "
        "skriver med token. Listor kan exporteras som CSV (UTF-8 med BOM, `?delimiter=;` för "
        "svensk Excel), XLSX och JSON via `export.csv`, `export.xlsx` och `export.json`; "
        "CSV och XLSX med rubriker och värden i ord och koderna i egna kolumner (som text), "
        "på engelska under `/en/api/v1/`.\n\n"
        "**Län, kommun och organisation** anges likadant överallt: län med kod eller kortnamn "
        "(`county=25` eller `county=norrbottens-lan`), kommun med kod med fyra siffror eller "
        "kortnamn (`municipality=0114`), organisation med kortnamn eller organisationsnummer. "
        "Ett värde som inte finns ger 400 med ett svenskt meddelande.\n\n"
        "**Versioner**: listor och exporter visar den senaste publicerade versionen av varje "
        "överenskommelse; `versions=all` ger alla.\n\n"
        "**Parameternamn** är desamma på webbplatsen och i API:t. De äldre namnen `lan`, "
        "`datum`, `urval`, `ar`, `avgransare` (`semikolon`), `fran` och `till` leds om med 301 "
        "till `county`, `date`, `selection`, `year`, `delimiter` (`;`), `from` och `to`."
    ),
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links an operation's path is text, not a link inside the button that opens
    # the operation (axe: nested-interactive). Styles for contrast and 320 px:
    # static/css/api-docs.css, loaded by templates/drf_spectacular/swagger_ui.html.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.schema.add_error_responses",
        "registry.schema.describe_query_parameters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "agreements.models.Kind",
        "OrganisationKindEnum": "actors.models.OrganisationKind",
        "LegalStatusEnum": "agreements.models.LegalStatus",
        "AssessmentStatusEnum": "followup.models.AssessmentStatus",
        "FollowUpStateEnum": "followup.models.FollowUpState",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# Login protection (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name, or
# from one address, further logins are refused for AXES_COOLOFF_TIME, the right password too.
# Every failure and lockout is logged (logger "axes") and kept in the admin (Access attempts).
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "registry.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "registry.authentication.login_locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The log names the address; the user name typed (sometimes a password by mistake) is masked
# there and shown only in the admin's list of access attempts.
AXES_SENSITIVE_PARAMETERS = ["username"]

# Content-Security-Policy (django-csp): the public pages use no inline script or style and load
# nothing from other sites. registry/middleware.py relaxes it for the admin and the API docs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# HTTPS. Behind a proxy that ends TLS, DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
# tells Django that X-Forwarded-Proto: https means the request came over HTTPS (set it only when
# the proxy overwrites that header). /healthz and /readyz answer over plain HTTP.
_proxy_ssl_header = env("DJANGO_SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
# Staff sessions end after a working day without use (Django's default is two weeks).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
