from django.http import JsonResponse
from django.views.defaults import page_not_found


def not_found(request, exception):
    """The API answers in JSON also for addresses that match no route."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Adressen finns inte i API:t."}, status=404)
    return page_not_found(request, exception)
