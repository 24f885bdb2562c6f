"""The agreement PDF as a reader, an archivist and a screen reader get it."""

import datetime
import json
import re
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from actors.models import Organisation
from agreements.models import AgreementLineage
from agreements.pdf_selectors import agreement_get_for_pdf
from commitments.models import Commitment
from followup.models import AssessmentStatus, CommitmentAssessment, FollowUp, FollowUpState
from tests.agreements import pdf_support
from tests.agreements.pdf_support import BUNDLED_FONTS, embedded_fonts, read_pdf, squash
from tests.factories import AgreementFactory, CommitmentFactory, GoalFactory, PartyFactory

pdf_cache = pdf_support.pdf_cache
no_render = pdf_support.no_render

pytestmark = pytest.mark.django_db

MODULE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pdf": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pdf-module"},
}


def _today() -> str:
    return date_format(timezone.localdate(), "j F Y")


@pytest.fixture(scope="module")
def norrbotten_document(django_db_setup, django_db_blocker):
    """The Norrbotten agreement fetched once by an anonymous visitor, with what it must show."""
    with override_settings(CACHES=MODULE_CACHE), django_db_blocker.unblock():
        caches["pdf"].clear()
        response = Client().get(reverse("agreements:pdf", kwargs={"slug": "norrbotten-rok"}))
        agreement = agreement_get_for_pdf(slug="norrbotten-rok")
        parties = list(agreement.parties.all())
        expected = SimpleNamespace(
            title=agreement.title,
            organisations=[party.organisation.name for party in parties],
            signatories=[party.signatory_name for party in parties if party.signatory_name],
            headings=sorted(
                {c.heading for c in Commitment.objects.filter(agreement=agreement) if c.heading}
            ),
            commitment_count=Commitment.objects.filter(agreement=agreement).count(),
        )
        version_response = Client().get(
            reverse("agreements:version_pdf", kwargs={"slug": "norrbotten-rok", "number": 1})
        )
    return SimpleNamespace(
        response=response,
        version_response=version_response,
        pdf=read_pdf(response.content),
        expected=expected,
    )


def test_norrbotten_pdf_is_an_a4_document_for_anyone(norrbotten_document):
    response = norrbotten_document.response
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="norrbotten-rok-version-1.pdf"'
    # A proxy may keep it a minute, then revalidates with the ETag.
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["ETag"]
    box = norrbotten_document.pdf.reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_every_party_signatory_and_commitment_heading_is_printed(norrbotten_document):
    document, expected = norrbotten_document.pdf, norrbotten_document.expected
    assert expected.organisations and expected.signatories and expected.headings
    printed = [expected.title, *expected.organisations, *expected.signatories, *expected.headings]
    missing = [text for text in printed if not document.contains(text)]
    assert missing == []
    for text in [
        "Vara sammankallande för parterna i det regionala integrationsarbetet.",
        "Reviderad mars 2009",
        "mars 2009 – 2009",
        "Har upphört",
        "Teman:",
    ]:
        assert document.contains(text), text


def test_cover_table_of_contents_and_footers_agree_with_the_pages(norrbotten_document):
    document = norrbotten_document.pdf
    count = len(document.pages)
    assert count == len(norrbotten_document.pdf.reader.pages) >= 5
    for number, page in enumerate(document.pages, start=1):
        assert squash(f"Sida {number} av {count}") in squash(page), number
        assert squash(f"Utskriven {_today()} från Samverkansregistret, version 1") in squash(page)

    toc_number = document.page_containing("Innehåll")
    assert toc_number == 2
    # Read as laid out: each entry and its page number on one line.
    toc_page = document.reader.pages[toc_number - 1].extract_text(extraction_mode="layout")
    entries = []
    for line in toc_page.splitlines():
        match = re.fullmatch(r"(.+?)\s{2,}(\d+)", line.strip())
        if match and not line.strip().startswith(("Sida", "Utskriven")):
            chapter = not line.startswith(" ")  # parties are indented under Åtaganden
            entries.append((match.group(1), int(match.group(2)), chapter))
    headings = [heading for heading, _, _ in entries]
    for heading in ["Syfte", "Mål", "Parter och undertecknare", "Åtaganden", "Förord"]:
        assert heading in headings
    assert set(norrbotten_document.expected.organisations) <= set(headings)
    numbers = [number for _, number, _ in entries]
    assert numbers == sorted(numbers), "the contents run in page order"
    assert numbers[-1] == count
    for heading, number, chapter in entries:
        lines = {squash(line) for line in document.pages[number - 1].splitlines()}
        assert squash(heading) in lines, f"{heading} is not a heading on page {number}"
        earlier = document.pages[toc_number : number - 1]
        assert not chapter or not any(
            squash(heading) in {squash(line) for line in page.splitlines()} for page in earlier
        ), f"{heading} starts before page {number}"


def test_metadata_language_tags_and_pdfa_identification(norrbotten_document):
    reader = norrbotten_document.pdf.reader
    metadata = reader.metadata
    assert metadata.title == norrbotten_document.expected.title
    assert "Länsstyrelsen i Norrbottens län" in metadata.author
    assert "Arbetsförmedlingen" in metadata.author
    assert metadata.subject == (
        "Regional överenskommelse om samverkan för nyanländas etablering – Norrbottens län, "
        "version 1 (Reviderad mars 2009)"
    )
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert root["/MarkInfo"]["/Marked"] == True  # tagged PDF (a pypdf BooleanObject)  # noqa: E712
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in root
    assert len(reader.trailer["/ID"]) == 2  # PDF/A requires the file identifier


def test_the_agreement_data_is_attached_as_json(norrbotten_document):
    reader = norrbotten_document.pdf.reader
    assert list(reader.attachments) == ["norrbotten-rok-version-1.json"]
    data = json.loads(reader.attachments["norrbotten-rok-version-1.json"][0])
    assert data["format"] == "samverkansregistret/overenskommelse/2"
    assert data["lineage"] == "norrbotten-rok"
    assert data["version_number"] == 1
    assert data["valid_from"] == "2009-03"  # month precision: the source says "mars 2009"
    names = dict(Organisation.objects.values_list("slug", "name"))
    assert [names[p["organisation"]] for p in data["parties"]] == (
        norrbotten_document.expected.organisations
    )
    # The agreement document, without contact people who are not marked public.
    assert data["contacts"] == [c for c in data["contacts"] if c["is_public"]]
    assert {"period_start", "responsible_contact", "activity_how"} <= set(data["commitments"][0])
    assert len(data["commitments"]) == norrbotten_document.expected.commitment_count
    filespec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"
    stream = filespec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/json"


def test_only_the_bundled_font_is_embedded(norrbotten_document):
    fonts = embedded_fonts(norrbotten_document.pdf.reader)
    assert set(fonts.values()) <= BUNDLED_FONTS, fonts
    assert {"SourceSans3-Regular", "SourceSans3-Semibold"} <= set(fonts.values())


def test_the_version_address_gives_the_same_document(norrbotten_document):
    response = norrbotten_document.version_response
    assert response.status_code == 200
    assert response.content == norrbotten_document.response.content


def test_swedish_letters_goals_and_the_latest_followup(client, pdf_cache):
    agreement = AgreementFactory(
        title="Överenskommelse för Älvdalen och Åre om möten, lärande och åtaganden",
        purpose="Syftet är ömsesidigt lärande.",
        valid_from=datetime.date(2024, 1, 1),
    )
    party = PartyFactory(
        agreement=agreement,
        organisation__name="Örnsköldsviks kommun",
        signatory_name="Åsa Älvström",
        signatory_title="Kommunstyrelsens ordförande",
        signed_on=datetime.date(2023, 12, 18),
    )
    done = CommitmentFactory(party=party, heading="Språkträning", text="Erbjuda sfi på kvällar.")
    going = CommitmentFactory(party=party, heading="Boende", text="Ordna bostäder.")
    CommitmentFactory(party=party, heading="Hälsa", text="Hälsosamtal för alla.")
    GoalFactory(
        agreement=agreement,
        text="Fler i arbete.",
        indicator="Andel i arbete eller studier efter 90 dagar",
        unit="%",
        baseline_value=35,
        baseline_year=2020,
        target_value=50,
        target_year=2026,
    )
    followup = FollowUp.objects.create(
        agreement=agreement,
        year=2024,
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
        summary="Uppföljningen gjordes på ett möte.",
    )
    CommitmentAssessment.objects.create(
        followup=followup, commitment=done, status=AssessmentStatus.FULFILLED
    )
    CommitmentAssessment.objects.create(
        followup=followup,
        commitment=going,
        status=AssessmentStatus.IN_PROGRESS,
        comment="Två lägenheter kvar.",
    )
    FollowUp.objects.create(agreement=agreement, year=2025, summary="Pågående kvastfenor.")

    response = client.get(reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug}))

    document = read_pdf(response.content)
    for letter in "åäöÅÄÖ":
        assert letter in document.text, letter
    for text in [
        "Örnsköldsviks kommun",
        "Åsa Älvström",
        "Kommunstyrelsens ordförande",
        "18 december 2023",
        "Andel i arbete eller studier efter 90 dagar (%)",
        "35 % (2020)",
        "50 % (2026)",
        "Senaste uppföljning (2024)",
        "Uppföljningen gjordes på ett möte.",
        "Uppfyllt",
        "Pågår",
        "Två lägenheter kvar.",
        "Inte bedömt",
    ]:
        assert document.contains(text), text
    assert not document.contains("kvastfenor")  # a follow-up still in progress is not printed


def test_unknown_agreement_and_unknown_version_are_404(client):
    assert client.get(reverse("agreements:pdf", kwargs={"slug": "finns-inte"})).status_code == 404
    url = reverse("agreements:version_pdf", kwargs={"slug": "norrbotten-rok", "number": 99})
    assert client.get(url).status_code == 404


def test_draft_agreement_is_404_for_anonymous_users(client, no_render):
    draft = AgreementFactory(title="Hemligt utkast", draft=True)
    slug = draft.lineage.slug
    assert client.get(reverse("agreements:pdf", kwargs={"slug": slug})).status_code == 404
    url = reverse("agreements:version_pdf", kwargs={"slug": slug, "number": 1})
    assert client.get(url).status_code == 404
    assert no_render == []


@pytest.fixture
def revised_with_draft():
    """Version 1 published, version 2 a draft, in Norrbotten."""
    lineage = AgreementLineage.objects.create(slug="revideras")
    AgreementFactory(lineage=lineage, version_number=1, title="Samverkan i Norrbotten")
    AgreementFactory(
        lineage=lineage,
        version_number=2,
        title="Samverkan i Norrbotten",
        version_label="Förslag till revidering",
        draft=True,
    )
    return lineage


def test_the_main_address_prints_the_newest_published_version(
    client, revised_with_draft, no_render
):
    response = client.get(reverse("agreements:pdf", kwargs={"slug": "revideras"}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="revideras-version-1.pdf"'
    assert "Förslag till revidering" not in no_render[0]


@pytest.mark.parametrize("persona", [None, "stockholm_staff", "unscoped_staff"])
def test_a_draft_version_is_404_for_everyone_who_may_not_change_it(
    client, request, revised_with_draft, persona, no_render
):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    url = reverse("agreements:version_pdf", kwargs={"slug": "revideras", "number": 2})
    assert client.get(url).status_code == 404
    assert no_render == []


@pytest.mark.parametrize("persona", ["norrbotten_staff", "national_editor"])
def test_staff_who_may_change_a_draft_can_print_it_marked_as_draft(
    client, request, revised_with_draft, persona, no_render
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("agreements:version_pdf", kwargs={"slug": "revideras", "number": 2})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Utkast – inte publicerat" in no_render[0]
    assert "Förslag till revidering" in no_render[0]


@pytest.mark.parametrize("commitments", [1, 40])
def test_query_count_does_not_grow_with_the_agreement(
    client, django_assert_max_num_queries, no_render, commitments
):
    agreement = AgreementFactory()
    parties = [PartyFactory(agreement=agreement) for _ in range(4)]
    for index in range(commitments):
        CommitmentFactory(party=parties[index % 4], heading=f"Rubrik {index}")
    for _ in range(3):
        GoalFactory(agreement=agreement, party=parties[0])
    # One read of the agreement serves the pages and the embedded agreement document
    # (agreements/document.py): 17 queries at either size.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug}))
    assert response.status_code == 200
    assert no_render[0].count("<li>") >= commitments


def test_status_is_dated_by_the_agreement_and_reception_has_totals(norrbotten_document):
    """Issue 17: an agreement that ended in 2009 is not "Har upphört (den <today>)"; the
    reception figures are in the PDF with a totals row per year; the frequency is labelled."""
    document = norrbotten_document.pdf
    assert document.contains("Har upphört (gällde till och med 2009)")
    assert not document.contains(f"Har upphört (den {_today()})")
    assert document.contains("Mottagande 2007")
    assert document.contains("Summa, 13 kommuner 595 220")
    assert document.contains("Summa, 14 kommuner 610 235")
    assert document.contains("hur ofta: annat")
