"""Views that answer with PDF documents or a streamed ZIP of them."""

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from actors.forms import Counting, CountingForm
from actors.models import County
from agreements import pdf, pdf_zip
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement
from agreements.pdf_selectors import (
    agreement_list_for_catalogue_selection,
    catalogue_selection_description,
    county_report,
    national_report,
)

# A selection of up to ZIP_STREAM_MAX agreements is streamed while its PDFs are rendered. A
# streaming response holds its gunicorn worker to the end, within --timeout 60. A cold PDF
# takes 0.2-0.3 s of CPU for a local agreement of three pages and 0.8-1.2 s for a regional
# one of eleven (benchmarks/pdf_render.py), and twice that or more in wall time on a busy
# two-core server: twenty such PDFs stay well within the timeout, fifty did not. (Each print
# day starts cold: the date is printed.) A larger one, up to ZIP_MAX_AGREEMENTS, is built by a
# background job (agreements/pdf_zip.py) while the visitor waits on a page; a bigger selection
# is refused with a message that asks for a narrower one (2,000 PDFs are a few hundred
# megabytes and, cold, some twenty minutes of work).
ZIP_STREAM_MAX = 20
ZIP_MAX_AGREEMENTS = 2000
# The waiting page reloads itself this often: six requests a minute stay within the
# EXPENSIVE_RATE of 10/min that the page counts against.
ZIP_REFRESH_SECONDS = 10


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


def _report_choice(request) -> Counting:
    """The day and boundaries of a report (actors/forms.py, as the statistics and the county
    pages); _BadRequest with the Swedish message of a choice that cannot be used."""
    form = CountingForm(request.GET)
    if not form.is_valid():
        raise _BadRequest(" ".join(form.error_messages_flat()))
    return form.choice()


class _BadRequest(Exception):
    pass


def _bad_request(error: _BadRequest) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@require_GET
def county_report_pdf(request, slug):
    county = get_object_or_404(County.all_objects.defer("geometry"), slug=slug)
    try:
        choice = _report_choice(request)
    except _BadRequest as error:
        return _bad_request(error)
    shown = choice.counting.county_of(county)
    if shown != county:  # as the county page: today's county, or the one of the day
        return redirect(
            reverse("agreements:county_report_pdf", kwargs={"slug": shown.slug})
            + f"?{request.GET.urlencode()}"
        )
    content = pdf.county_report_pdf(county_report(county=county, choice=choice))
    filename = f"lansrapport-{county.slug}-{choice.on}{_boundaries_suffix(choice)}.pdf"
    return _pdf_response(content, filename=filename, public=True)


def _boundaries_suffix(choice: Counting) -> str:
    return "-lanen-den-dagen" if choice.is_then else ""


@require_GET
def national_report_pdf(request):
    try:
        choice = _report_choice(request)
    except _BadRequest as error:
        return _bad_request(error)
    content = pdf.national_report_pdf(national_report(choice=choice))
    filename = f"nationell-rapport-{choice.on}{_boundaries_suffix(choice)}.pdf"
    return _pdf_response(content, filename=filename, public=True)


def _zip_filterset(request):
    filterset = AgreementFilterSet(request.GET)
    if not filterset.is_valid():
        raise _BadRequest(f"Urvalet går inte att läsa. {filterset.error_text()}")
    return filterset


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _empty(filterset) -> HttpResponse:
    description = catalogue_selection_description(filterset)
    return _text(f"Inga publicerade överenskommelser matchar urvalet ({description}).", 404)


def _too_large() -> HttpResponse:
    return _text(
        f"Urvalet har fler än {ZIP_MAX_AGREEMENTS} överenskommelser. Begränsa det, till "
        "exempel med län, kommun eller nivå, och hämta flera mindre ZIP-filer.",
        400,
    )


def _with_query(name: str, request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    url = reverse(name)
    return f"{url}?{query.urlencode()}" if query else url


@require_GET
def agreements_pdf_zip(request):
    """The PDFs of a catalogue selection as one ZIP: the catalogue's parameters and FilterSet,
    so the archive holds what the catalogue lists. A small selection is streamed while it is
    made; a larger one is built by a background job, and the visitor is sent to its page."""
    try:
        filterset = _zip_filterset(request)
    except _BadRequest as error:
        return _text(str(error), 400)
    stream_max = min(ZIP_STREAM_MAX, ZIP_MAX_AGREEMENTS)
    agreements = agreement_list_for_catalogue_selection(filterset=filterset, limit=stream_max + 1)
    if not agreements:
        return _empty(filterset)
    if len(agreements) > stream_max:
        return redirect(_with_query("agreements:pdf_zip_job", request))
    description = catalogue_selection_description(filterset)
    response = StreamingHttpResponse(pdf.agreements_zip(agreements), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, pdf.zip_filename(description)
    )
    # Streamed, so without an ETag to revalidate: kept by the browser only.
    response["Cache-Control"] = f"private, max-age={settings.PUBLIC_DOCUMENT_MAX_AGE}"
    return response


def _zip_selection(request):
    """The selection of the request's parameters, or the response that refuses it."""
    try:
        filterset = _zip_filterset(request)
    except _BadRequest as error:
        return None, _text(str(error), 400)
    selection = pdf_zip.zip_selection_get(filterset=filterset, limit=ZIP_MAX_AGREEMENTS)
    if selection is None:
        return None, _too_large()
    if not selection.agreements:
        return None, _empty(filterset)
    return selection, None


@require_GET
def agreements_pdf_zip_job(request):
    """The ZIP of a large selection: enqueues the job that builds it (once), says that it is
    being prepared and reloads itself until it links to the file."""
    selection, refusal = _zip_selection(request)
    if refusal is not None:
        return refusal
    state = pdf_zip.zip_state(selection, params=pdf_zip.zip_params(request.GET))
    status = {
        pdf_zip.ZipState.READY: 200,
        pdf_zip.ZipState.PREPARING: 202,
        pdf_zip.ZipState.FAILED: 500,
    }[state]
    response = render(
        request,
        "agreements/pdf_zip_job.html",
        {
            "state": state.value,
            "count": len(selection.agreements),
            "description": selection.description,
            "refresh_seconds": ZIP_REFRESH_SECONDS,
            "page_url": _with_query("agreements:pdf_zip_job", request),
            "file_url": _with_query("agreements:pdf_zip_file", request),
            "catalogue_url": _with_query("agreements:catalogue", request),
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def agreements_pdf_zip_file(request):
    """The stored ZIP of the selection as it is now; until it is built, its page."""
    selection, refusal = _zip_selection(request)
    if refusal is not None:
        return refusal
    if not pdf_zip.zip_is_ready(selection):
        return redirect(_with_query("agreements:pdf_zip_job", request))
    response = FileResponse(
        pdf_zip.zip_open(selection),
        as_attachment=True,
        filename=selection.filename,
        content_type="application/zip",
    )
    # Never kept by a shared cache: it would outlive an unpublished agreement.
    response["Cache-Control"] = f"private, max-age={settings.PUBLIC_DOCUMENT_MAX_AGE}"
    return response
