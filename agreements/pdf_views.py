"""Views that answer with PDF documents or a streamed ZIP of them."""

import datetime

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from actors.models import County
from agreements import pdf
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement
from agreements.pdf_selectors import (
    agreement_list_for_catalogue_selection,
    catalogue_selection_description,
    county_report,
    national_report,
)

# A bulk download renders up to this many PDFs in one response; a bigger selection is refused
# with a message that asks for a narrower one.
ZIP_MAX_AGREEMENTS = 200


def _pdf_response(content: bytes, *, filename: str, public: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    # A public document may be kept by a proxy only briefly, so that an unpublished agreement
    # is gone within PUBLIC_DOCUMENT_MAX_AGE; the ETag (ConditionalGetMiddleware) lets it
    # revalidate cheaply. A draft is never stored by a shared cache.
    response["Cache-Control"] = (
        f"public, max-age={settings.PUBLIC_DOCUMENT_MAX_AGE}" if public else "private, no-store"
    )
    return response


@require_GET
def agreement_pdf(request, slug):
    """The newest published version of the agreement."""
    try:
        printed = pdf.agreement_pdf_get(slug=slug)
    except Agreement.DoesNotExist:
        raise Http404("Överenskommelsen finns inte eller är inte publicerad.") from None
    return _pdf_response(printed.content, filename=printed.filename, public=True)


@require_GET
def agreement_version_pdf(request, slug, number):
    """One version at a stable address. A draft only for staff who may change it."""
    try:
        printed = pdf.agreement_pdf_get(slug=slug, number=number, user=request.user)
    except Agreement.DoesNotExist:
        raise Http404("Versionen finns inte eller är inte publicerad.") from None
    return _pdf_response(printed.content, filename=printed.filename, public=printed.is_published)


class ReportDateForm(forms.Form):
    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2009-06-01."},
    )


class _BadRequest(Exception):
    pass


def _report_date(request) -> datetime.date:
    form = ReportDateForm(request.GET)
    if not form.is_valid():
        raise _BadRequest(" ".join(form.errors["date"]))
    return form.cleaned_data["date"] or timezone.localdate()


@require_GET
def county_report_pdf(request, slug):
    county = get_object_or_404(County.objects.defer("geometry"), slug=slug)
    try:
        on = _report_date(request)
    except _BadRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    content = pdf.county_report_pdf(county_report(county=county, on=on))
    return _pdf_response(content, filename=f"lansrapport-{county.slug}-{on}.pdf", public=True)


@require_GET
def national_report_pdf(request):
    try:
        on = _report_date(request)
    except _BadRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    content = pdf.national_report_pdf(national_report(on=on))
    return _pdf_response(content, filename=f"nationell-rapport-{on}.pdf", public=True)


@require_GET
def agreements_pdf_zip(request):
    """The PDFs of a catalogue selection, as one ZIP streamed while it is made: the catalogue's
    parameters and FilterSet, so the archive holds what the catalogue lists."""
    filterset = AgreementFilterSet(request.GET)
    if not filterset.is_valid():
        return HttpResponseBadRequest(
            f"Urvalet går inte att läsa. {filterset.error_text()}",
            content_type="text/plain; charset=utf-8",
        )
    agreements = agreement_list_for_catalogue_selection(
        filterset=filterset, limit=ZIP_MAX_AGREEMENTS + 1
    )
    description = catalogue_selection_description(filterset)
    if not agreements:
        return HttpResponse(
            f"Inga publicerade överenskommelser matchar urvalet ({description}).",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if len(agreements) > ZIP_MAX_AGREEMENTS:
        return HttpResponseBadRequest(
            f"Urvalet har fler än {ZIP_MAX_AGREEMENTS} överenskommelser. Begränsa det, till "
            "exempel med län, kommun eller nivå, och hämta flera mindre ZIP-filer.",
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(pdf.agreements_zip(agreements), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, pdf.zip_filename(description)
    )
    # Streamed, so without an ETag to revalidate: kept by the browser only.
    response["Cache-Control"] = f"private, max-age={settings.PUBLIC_DOCUMENT_MAX_AGE}"
    return response
