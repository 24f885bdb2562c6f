"""Test helpers for the staff admin: the agreement page's form as a browser would post it,
and small real PDFs."""

from django.urls import reverse

from agreements.models import Agreement


def change_url(agreement: Agreement) -> str:
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def history_url(agreement: Agreement) -> str:
    return reverse("admin:agreements_agreement_history", args=[agreement.pk])


def restore_url(agreement: Agreement, revision_id: int) -> str:
    return reverse("admin:agreements_agreement_restore", args=[agreement.pk, revision_id])


def add_form_values(data: dict, form) -> None:
    for name in form.fields:
        if name == "file":
            continue
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            data[key] = ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)


def form_data(response) -> dict:
    """Everything the agreement page would post back unchanged: the agreement's fields, the
    hidden lock number, and every inline formset with its management form."""
    data: dict = {}
    add_form_values(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            add_form_values(data, form)
    return data


def inline_index(response, prefix: str, predicate) -> int:
    """The position in an inline formset of the first row whose instance matches."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            for index, form in enumerate(inline.formset.forms):
                if predicate(form.instance):
                    return index
    raise LookupError(prefix)


def pdf_bytes(text: str = "Samverkan kring nyanlända i Norrbotten") -> bytes:
    """A small valid one-page PDF whose text pypdf can extract."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def party_url(agreement: Agreement, party) -> str:
    return reverse("admin:agreements_agreement_party", args=[agreement.pk, party.pk])


def party_page_data(response) -> dict:
    """What a party page (agreements/admin_parts.py) posts back unchanged, new rows empty."""
    context = response.context
    data = {"opened_version": str(context["lock"]["opened_version"].value())}
    add_form_values(data, context["party_form"])
    for formset in (context["goal_formset"], context["commitment_formset"]):
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.initial_forms:
            add_form_values(data, form)
    return data
