"""Limits per client address, counted in the shared cache (CACHES["default"], see settings), so
that every worker process and machine counts the same requests. The address comes from
registry/clients.py, which trusts X-Forwarded-For only from the proxies named in the settings.

- the API, anonymous: API_ANON_RATE;
- pages, anonymous: PAGE_RATE for every HTML page, EXPENSIVE_RATE for the documents that are
  rendered on request (PDF, ZIP, reports, statistics as CSV/JSON) — PageThrottleMiddleware;
- wrong API tokens: TOKEN_FAILURE_LIMIT per address and TOKEN_FAILURE_WINDOW
  (registry/authentication.py). Admin logins are django-axes' (AXES_* in the settings).
"""

import datetime
import logging
import math

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, router
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import throttling

from registry.clients import client_ip

logger = logging.getLogger("registry.throttling")

# URL names (namespace:name) of the pages that cost seconds of CPU per request.
EXPENSIVE_VIEWS = frozenset(
    {
        "agreements:pdf",
        "agreements:version_pdf",
        "agreements:pdf_zip",
        "agreements:pdf_zip_job",
        "agreements:pdf_zip_file",
        "agreements:county_report_pdf",
        "agreements:national_report_pdf",
        "statistics:csv",
        "statistics:json",
    }
)
# Addresses outside these are not pages: the API throttles itself, the admin is staff only.
UNTHROTTLED_PREFIXES = ("/api/", "/admin/", "/static/", "/media/")


def shared_cache():
    return caches["default"]


# One statement: the window's count, started or counted on. The counter is a plain number in
# the cache table's value column, under a key of its own that nothing reads through the cache.
_WINDOW_COUNT = """
    INSERT INTO {table} AS kept (cache_key, value, expires) VALUES (%(key)s, '1', %(end)s)
    ON CONFLICT (cache_key) DO UPDATE SET
        value = CASE WHEN kept.expires > %(now)s THEN (kept.value::bigint + 1)::text ELSE '1' END,
        expires = CASE WHEN kept.expires > %(now)s THEN kept.expires ELSE EXCLUDED.expires END
    RETURNING value::bigint, expires
"""


class SharedCacheThrottle(throttling.SimpleRateThrottle):
    """By the trusted client address, in the shared cache. In the database cache a window of
    `duration` seconds from a client's first request, counted in one statement (DRF's own
    sliding window reads, counts the table and writes: four statements and a transaction per
    request); in any other cache (Redis) DRF's sliding window."""

    rate_setting = ""
    window_end: datetime.datetime | None = None

    @property
    def cache(self):
        return shared_cache()

    def allow_request(self, request, view):
        cache = self.cache
        if not isinstance(cache, DatabaseCache):
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        connection = connections[router.db_for_write(cache.cache_model_class)]
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                _WINDOW_COUNT.format(table=connection.ops.quote_name(cache._table)),
                {
                    "key": cache.make_and_validate_key(f"{key}:window"),
                    "now": now,
                    "end": now + datetime.timedelta(seconds=self.duration),
                },
            )
            count, self.window_end = cursor.fetchone()
        return count <= self.num_requests

    def wait(self):
        if self.window_end is None:
            return super().wait()
        return max(1.0, (self.window_end - timezone.now()).total_seconds())

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonymousThrottle(SharedCacheThrottle):
    """The API for anonymous clients; a signed-in user or token is not limited."""

    scope = "api-anon"
    rate_setting = "API_ANON_RATE"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class PageThrottle(SharedCacheThrottle):
    scope = "page"
    rate_setting = "PAGE_RATE"


class ExpensivePageThrottle(SharedCacheThrottle):
    scope = "expensive"
    rate_setting = "EXPENSIVE_RATE"


def too_many_requests(seconds: float | None) -> HttpResponse:
    wait = max(1, math.ceil(seconds or 60))
    response = HttpResponse(
        f"För många förfrågningar från din adress. Försök igen om {wait} sekunder.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response


class PageThrottleMiddleware:
    """Limits anonymous clients on the HTML pages and, harder, on the rendered documents.
    Staff (signed in) are not limited. Needs AuthenticationMiddleware before it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(UNTHROTTLED_PREFIXES) or request.method == "OPTIONS":
            return None
        match = request.resolver_match
        throttle = (
            ExpensivePageThrottle()
            if match and match.view_name in EXPENSIVE_VIEWS
            else PageThrottle()
        )
        try:
            if request.user.is_authenticated or throttle.allow_request(request, None):
                return None
        except DatabaseError:
            return None  # the cache is unreachable: serve; the view reports the outage
        logger.warning(
            "Begränsning %s: %s %s från %s",
            throttle.scope,
            request.method,
            request.path,
            client_ip(request),
        )
        return too_many_requests(throttle.wait())


def exception_handler(exc, context):
    """DRF's Swedish translation leaves the throttling message half in English."""
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

    from registry.authentication import TokenLockout

    if isinstance(exc, exceptions.Throttled) and not isinstance(exc, TokenLockout):
        seconds = int(exc.wait) if exc.wait is not None else 60
        exc.detail = (
            f"För många förfrågningar. Försök igen om {seconds} sekunder, eller använd en "
            "export för att hämta många rader på en gång."
        )
    return drf_exception_handler(exc, context)
