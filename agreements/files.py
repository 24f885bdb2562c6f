"""Attached PDFs are served through this view, never from MEDIA_ROOT directly: the public
gets a file only while its agreement is published; staff also get the drafts they may read."""

from django.http import FileResponse, Http404
from django.utils.text import slugify

from agreements.models import Agreement, Attachment


def attachment_file(request, slug, pk):
    readable = (
        Agreement.objects.visible_to(request.user)
        if request.user.is_staff
        else Agreement.objects.published()
    )
    attachment = (
        Attachment.objects.filter(pk=pk, agreement__lineage__slug=slug, agreement__in=readable)
        .select_related("agreement")
        .first()
    )
    if attachment is None or not attachment.file:
        raise Http404("Bilagan finns inte, eller dess överenskommelse är inte publicerad.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("Filen saknas.") from None
    response = FileResponse(
        handle,
        content_type="application/pdf",
        filename=f"{slugify(attachment.title) or 'bilaga'}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not attachment.agreement.is_published:
        response["Cache-Control"] = "private, no-store"
    return response
