"""Limits per client address, counted in the shared cache (CACHES["default"], see settings), so
that every worker process and machine counts the same requests. The address comes from
registry/clients.py, which trusts X-Forwarded-For only from the proxies named in the settings.

- the API, anonymous: API_ANON_RATE;
- pages, anonymous: PAGE_RATE for every HTML page, EXPENSIVE_RATE for the documents that are
  rendered on request (PDF, ZIP, reports, statistics as CSV/JSON) — PageThrottleMiddleware;
- wrong API tokens: TOKEN_FAILURE_LIMIT per address and TOKEN_FAILURE_WINDOW
  (registry/authentication.py). Admin logins are django-axes' (AXES_* in the settings).
"""

import logging
import math

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse
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


class SharedCacheThrottle(throttling.SimpleRateThrottle):
    """DRF's sliding-window throttle, in the shared cache, by the trusted client address."""

    rate_setting = ""

    @property
    def cache(self):
        return shared_cache()

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
