from django.conf import settings
from rest_framework import throttling


class AnonymousThrottle(throttling.AnonRateThrottle):
    """Reads the rate when asked, so that it can be set per environment (API_ANON_RATE)."""

    def get_rate(self):
        return settings.API_ANON_RATE


def exception_handler(exc, context):
    """DRF's Swedish translation leaves the throttling message half in English."""
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, exceptions.Throttled):
        seconds = int(exc.wait) if exc.wait is not None else 60
        exc.detail = (
            f"För många förfrågningar. Försök igen om {seconds} sekunder, eller använd en "
            "export för att hämta många rader på en gång."
        )
    return drf_exception_handler(exc, context)
