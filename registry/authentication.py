"""API tokens that cannot be guessed: after TOKEN_FAILURE_LIMIT wrong tokens from one address
within TOKEN_FAILURE_WINDOW seconds, that address is refused (429) until the window has
passed, without the token being looked up. Every wrong token is logged with its address."""

import logging
import math

from django.conf import settings
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from registry.clients import client_ip
from registry.throttling import shared_cache

logger = logging.getLogger("registry.authentication")


class TokenLockout(exceptions.Throttled):
    default_detail = "För många felaktiga token från din adress."

    def __init__(self, wait):
        super().__init__(
            wait=wait,
            detail=f"För många felaktiga token från din adress. Försök igen om {wait} sekunder.",
        )


class GuardedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        words = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not words or words[0].lower() != self.keyword.lower():
            return None
        address = client_ip(request)
        key = f"token-failures:{address}"
        cache = shared_cache()
        window = settings.TOKEN_FAILURE_WINDOW
        if (cache.get(key) or 0) >= settings.TOKEN_FAILURE_LIMIT:
            raise TokenLockout(window)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if cache.add(key, 1, window):
                failures = 1
            else:
                try:
                    failures = cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, window)
                    failures = 1
            logger.warning(
                "Felaktig API-token från %s (%s av %s)",
                address,
                failures,
                settings.TOKEN_FAILURE_LIMIT,
            )
            raise


def login_locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE), in Swedish."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    response = HttpResponse(
        "För många misslyckade inloggningar. Inloggningen är spärrad i "
        f"{minutes} minuter; kontakta en administratör om du behöver komma in tidigare.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(minutes * 60)
    return response
