"""Settings, read from the environment (12-factor). See README.md for the variables."""

from pathlib import Path

import environ

from registry.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Required in production, but only where something is signed: Django refuses an empty key
# when a request needs it, so management commands (migrate, makemigrations) run without one.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="utveckling-endast-inte-for-produktion" if DEBUG else ""
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "actors",
    "agreements",
    "commitments",
    "followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # With i18n_patterns(prefix_default_language=False) in registry/urls.py this gives Swedish
    # to every address without /en/, whatever the browser prefers (the admin included).
    "django.middleware.locale.LocaleMiddleware",
    "registry.request_checks.RefuseNulMiddleware",  # 400 in the visitor's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
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

FIXTURES_DIR = BASE_DIR / "fixtures"

API_ANON_RATE = env("API_ANON_RATE", default="120/min")
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)
# "pdf": finished PDF documents (agreements/pdf.py), on disk so that every worker shares them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pdf": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env("DJANGO_PDF_CACHE_DIR", default=str(BASE_DIR / "var" / "cache" / "pdf")),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
        "svensk Excel), XLSX och JSON via `export.csv`, `export.xlsx` och `export.json`."
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

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
