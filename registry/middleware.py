"""Operations: health checks, a clear answer while the database is down, and the
Content-Security-Policy with the two exceptions the admin and the API documentation need."""

import logging

from csp.middleware import CSPMiddleware
from django.core.cache import caches
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger("registry.unavailable")

# Seconds a client is asked to wait while the database is unreachable. Recovery is immediate:
# the next request after the database is back opens a new connection.
RETRY_AFTER_SECONDS = 30


class HealthCheckMiddleware:
    """/healthz (the process answers) and /readyz (the database and the shared cache answer),
    answered first: before the host check, the HTTPS redirect, sessions and languages, so that
    a load balancer may ask over plain HTTP by address. Neither shows anything but "ok"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            return self.ready()
        return self.get_response(request)

    @staticmethod
    def ready():
        checks = {}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            checks["database"] = "ok"
        except DatabaseError:
            checks["database"] = "fel"
        try:
            cache = caches["default"]
            cache.set("readyz", "ok", 10)
            checks["cache"] = "ok" if cache.get("readyz") == "ok" else "fel"
        except Exception:  # any backend's error: Redis, database, files
            checks["cache"] = "fel"
        ready = all(value == "ok" for value in checks.values())
        response = JsonResponse({"status": "ok" if ready else "fel", **checks})
        if not ready:
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def database_unavailable(request, error) -> HttpResponse:
    """503 with Retry-After and a short Swedish page, logged as one line (no traceback)."""
    logger.error(
        "Databasen svarar inte: %s %s (%s)",
        request.method,
        request.path,
        " ".join(str(error).split())[:200],
    )
    if request.path.startswith("/api/"):  # the API answers in JSON, as its other errors
        response = JsonResponse(
            {
                "detail": "Registret kommer inte åt sin databas just nu. Försök igen om "
                f"{RETRY_AFTER_SECONDS} sekunder."
            },
            status=503,
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # django.request would log it again, as a 5xx
    return response


class DatabaseUnavailableMiddleware:
    """Turns "the database cannot be reached" (a connection refused or broken, in a view or
    its template) into database_unavailable's answer instead of a 500 with a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """CONTENT_SECURITY_POLICY from the settings everywhere; the admin's own templates keep a
    few inline styles, and the API documentation (Swagger UI, ReDoc) starts with an inline
    script and runs ReDoc in a blob: worker."""

    RELAXED_PATHS = {"/admin/": {"style-src": ["'unsafe-inline'"]}}
    RELAXED_VIEWS = {
        "api:docs": {"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]},
        "api:redoc": {
            "script-src": ["'unsafe-inline'"],
            "style-src": ["'unsafe-inline'"],
            "worker-src": ["blob:"],
        },
    }

    def _relaxation(self, request) -> dict:
        """By view for the API documentation, which lives under /api/v1/ and /en/api/v1/."""
        match = getattr(request, "resolver_match", None)
        if match and match.view_name in self.RELAXED_VIEWS:
            return self.RELAXED_VIEWS[match.view_name]
        for prefix, update in self.RELAXED_PATHS.items():
            if request.path.startswith(prefix):
                return update
        return {}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        update = self._relaxation(request)
        if update:
            parts.update = {**update, **(parts.update or {})}
        return parts
