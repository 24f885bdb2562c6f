"""Input no page can use, refused where it enters, before any view reads it.

A NUL character (U+0000) cannot be stored or compared in PostgreSQL's text (the query fails
with DataError, a 500). It has no meaning in an address, so any address with one, in its path
or its query string (%00), is answered 400 with one Swedish sentence; under the API in JSON,
for a parameter in the shape of the API's other refused parameters ({"county": ["…"]}).
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from registry.views import bad_request, is_api_request


def _parameters_with_nul(request) -> list[str]:
    return [
        key
        for key, values in request.GET.lists()
        if "\x00" in key or any("\x00" in value for value in values)
    ]


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        in_path = "\x00" in request.path
        parameters = [] if in_path else _parameters_with_nul(request)
        if not in_path and not parameters:
            return self.get_response(request)
        message = _("Adressen innehåller ett otillåtet tecken (NUL).")
        if not is_api_request(request):
            return bad_request(request, None, message=message)
        if parameters:  # as the API's other refused parameters: each with its messages
            message = _("Värdet innehåller ett otillåtet tecken (NUL).")
            names = [name.replace("\x00", "") for name in parameters]
            return JsonResponse({name: [message] for name in names}, status=400)
        return JsonResponse({"detail": message}, status=400)
