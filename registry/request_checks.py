"""Input no page can use, refused where it enters, before any view reads it.

A NUL character (U+0000) cannot be stored or compared in PostgreSQL's text (the query fails
with DataError, a 500). It has no meaning in an address, so any address with one, in its path
or its query string (%00), is answered 400 with one Swedish sentence, in JSON under the API.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from registry.views import bad_request, is_api_request


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("Adressen innehåller ett otillåtet tecken (NUL).")
            if is_api_request(request):
                return JsonResponse({"detail": message}, status=400)
            return bad_request(request, None, message=message)
        return self.get_response(request)
