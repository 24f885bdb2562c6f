from django.http import Http404
from django.shortcuts import render

from agreements import selectors
from agreements.models import Agreement


def home(request):
    agreements = selectors.agreement_list_published()
    return render(
        request,
        "home.html",
        {"agreement_groups": selectors.agreements_by_level(agreements), "count": len(agreements)},
    )


def agreement_detail(request, slug):
    try:
        agreement = selectors.agreement_get_published(slug=slug)
    except Agreement.DoesNotExist:
        raise Http404("Överenskommelsen finns inte eller är inte publicerad.") from None
    return render(request, "agreements/detail.html", {"agreement": agreement})
