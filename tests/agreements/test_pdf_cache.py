"""A PDF is rendered once per version and content; any edit to what it prints renders it
anew."""

import datetime

import pytest
from django.urls import reverse

from agreements import pdf
from agreements.pdf_selectors import agreement_get_for_pdf
from commitments.models import Commitment
from tests.agreements import pdf_support
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory

pdf_cache = pdf_support.pdf_cache
no_render = pdf_support.no_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    agreement = AgreementFactory(title="Cachad överenskommelse")
    CommitmentFactory(
        party=PartyFactory(agreement=agreement, organisation__name="Gamla namnet"),
        heading="Praktik",
        text="Erbjuda tio praktikplatser.",
    )
    return agreement


def _get(client, agreement):
    response = client.get(reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug}))
    assert response.status_code == 200
    return response.content


def test_the_second_request_is_served_from_the_cache(client, agreement, no_render):
    first = _get(client, agreement)
    second = _get(client, agreement)
    assert len(no_render) == 1
    assert first == second


def test_editing_a_commitment_renders_the_pdf_anew(client, agreement, no_render):
    _get(client, agreement)
    commitment = Commitment.objects.get(agreement=agreement)
    commitment.text = "Erbjuda tjugo praktikplatser."
    commitment.save()
    _get(client, agreement)
    assert len(no_render) == 2
    assert "Erbjuda tjugo praktikplatser." in no_render[1]
    _get(client, agreement)
    assert len(no_render) == 2


def test_renaming_a_party_organisation_renders_the_pdf_anew(client, agreement, no_render):
    _get(client, agreement)
    organisation = agreement.parties.get().organisation
    organisation.name = "Nya namnet"
    organisation.save()
    _get(client, agreement)
    assert len(no_render) == 2
    assert "Nya namnet" in no_render[1]


def test_each_version_and_each_print_day_has_its_own_pdf(agreement, no_render):
    printed = agreement_get_for_pdf(slug=agreement.lineage.slug)
    pdf.agreement_pdf(printed, today=datetime.date(2026, 11, 23))
    pdf.agreement_pdf(printed, today=datetime.date(2026, 11, 23))
    pdf.agreement_pdf(printed, today=datetime.date(2026, 11, 24))
    assert len(no_render) == 2
    assert "Utskriven 24 november 2026" in no_render[1]

    AgreementFactory(lineage=agreement.lineage, version_number=2, title=agreement.title)
    newer = agreement_get_for_pdf(slug=agreement.lineage.slug)
    assert newer.version_number == 2
    pdf.agreement_pdf(newer, today=datetime.date(2026, 11, 24))
    assert len(no_render) == 3


def test_cached_entries_are_keyed_by_agreement_version(agreement, pdf_cache, no_render):
    printed = agreement_get_for_pdf(slug=agreement.lineage.slug)
    content = pdf.agreement_pdf(printed)
    keys = list(pdf_cache._cache)
    assert len(keys) == 1
    assert f"pdf:{agreement.lineage.slug}:1:" in keys[0]
    assert content.startswith(b"%PDF")
