"""Attachments: PDF checked by content, 20 MB, text extracted, public only while published."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.models import Attachment, validate_pdf
from tests.agreements.helpers import change_url, form_data, pdf_bytes
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(client, agreement, content: bytes, name="avtal.pdf", title="Undertecknat original"):
    data = form_data(client.get(change_url(agreement)))
    index = int(data["attachments-TOTAL_FORMS"])
    data["attachments-TOTAL_FORMS"] = str(index + 1)
    data[f"attachments-{index}-title"] = title
    data[f"attachments-{index}-kind"] = "signed_original"
    data[f"attachments-{index}-file"] = SimpleUploadedFile(name, content, "application/pdf")
    return client.post(change_url(agreement), data)


def test_a_pdf_is_stored_its_text_extracted_and_served_only_while_published(
    client, norrbotten_staff, stockholm_staff, media_root
):
    draft = AgreementFactory(draft=True, title="Utkast med bilaga")
    client.force_login(norrbotten_staff)

    response = _upload(client, draft, pdf_bytes("Kommunen tar emot 40 nyanlanda under 2026"))

    assert response.status_code == 302, response.context["inline_admin_formsets"][-1].formset.errors
    attachment = Attachment.objects.get(agreement=draft)
    assert "tar emot 40 nyanlanda" in attachment.extracted_text
    assert (media_root / attachment.file.name).exists()
    url = attachment.get_absolute_url()
    page = client.get(change_url(draft)).content.decode()
    assert f'href="{url}"' in page  # the file widget links to the guarded view
    assert "/media/" not in page

    # Staff who may read the draft get the file; nobody else does.
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content).startswith(b"%PDF-")
    client.force_login(stockholm_staff)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # MEDIA_ROOT itself is not served.
    assert client.get(f"/media/{attachment.file.name}").status_code == 404

    draft.publication = "published"
    draft.published_at = draft.created_at
    draft.save()
    assert client.get(url).status_code == 200


def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(client, norrbotten_staff):
    draft = AgreementFactory(draft=True)
    client.force_login(norrbotten_staff)
    response = _upload(client, draft, b"Hej, det har ar text och ingen PDF.", name="avtal.pdf")
    assert response.status_code == 200
    assert "Filen är inte en PDF. Bara PDF-filer kan bifogas." in response.content.decode()
    assert not Attachment.objects.filter(agreement=draft).exists()


def test_a_damaged_pdf_is_refused():
    damaged = SimpleUploadedFile("trasig.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with pytest.raises(ValidationError) as error:
        validate_pdf(damaged)
    assert "går inte att läsa" in error.value.messages[0]


def test_a_file_over_20_mb_is_refused_with_its_size():
    big = SimpleUploadedFile("stor.pdf", pdf_bytes() + b"0" * (20 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError) as error:
        validate_pdf(big)
    assert "Största tillåtna storlek är 20 MB" in error.value.messages[0]


def test_a_real_pdf_passes():
    validate_pdf(SimpleUploadedFile("ok.pdf", pdf_bytes()))
