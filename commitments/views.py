from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render

from actors.filters import named_row
from actors.models import County, Organisation
from commitments import selectors
from commitments.models import Theme


def theme_list(request):
    return render(
        request,
        "commitments/theme_list.html",
        {"themes": selectors.theme_list(), "canonical_path": request.path},
    )


def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    errors = []
    try:
        county = named_row(County, request.GET.get("county"))
    except ValidationError as error:
        county, errors = None, [*errors, *error.messages]
    try:
        organisation = named_row(Organisation, request.GET.get("organisation"))
    except ValidationError as error:
        organisation, errors = None, [*errors, *error.messages]
    page = selectors.theme_commitments(
        theme=theme,
        page_number=request.GET.get("page") or 1,
        county=county,
        organisation=organisation,
    )
    return render(
        request,
        "commitments/theme.html",
        {
            "theme": theme,
            "page": page,
            "county": county,
            "organisation": organisation,
            "counties": County.objects.order_by("code").defer("geometry"),
            "agreement_count": selectors.theme_agreement_count(theme=theme),
            "canonical_path": request.path,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
