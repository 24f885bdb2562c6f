"""A PDF is rendered once per version, print day and content; any edit to what it prints
renders it anew, and a repeated request does not even build the HTML."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from agreements import pdf, services
from agreements.models import Agreement
from agreements.pdf_selectors import agreement_get_for_pdf
from commitments.models import Commitment, Theme
from followup.models import AssessmentStatus, CommitmentAssessment, FollowUp, FollowUpState
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


@pytest.fixture
def fetch(client, agreement):
    def get():
        response = client.get(reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug}))
        assert response.status_code == 200
        return response.content

    return get


@pytest.fixture
def html_builds(monkeypatch):
    built = []
    real = pdf._render_html

    def spy(template, context):
        built.append(template)
        return real(template, context)

    monkeypatch.setattr(pdf, "_render_html", spy)
    return built


def test_a_repeated_request_skips_the_html_and_needs_one_query(
    fetch, no_render, html_builds, django_assert_max_num_queries
):
    first = fetch()
    with django_assert_max_num_queries(1):
        second = fetch()
    assert first == second
    assert len(no_render) == 1
    assert html_builds == ["pdf/agreement.html"]


@pytest.mark.parametrize(
    "edit",
    ["commitment text", "commitment themes", "new party", "organisation name", "follow-up"],
)
def test_any_edit_to_what_is_printed_renders_the_pdf_anew(
    fetch, agreement, no_render, django_capture_on_commit_callbacks, edit
):
    fetch()
    commitment = Commitment.objects.get(agreement=agreement)
    with django_capture_on_commit_callbacks(execute=True):
        if edit == "commitment text":
            commitment.text = "Erbjuda tjugo praktikplatser."
            commitment.save()
            expected = "Erbjuda tjugo praktikplatser."
        elif edit == "commitment themes":
            theme = Theme.objects.get(slug="praktik")
            commitment.themes.add(theme)
            expected = f"Teman: {theme.name}"
        elif edit == "new party":
            PartyFactory(agreement=agreement, organisation__name="Nytillkommen förening")
            expected = "Nytillkommen förening"
        elif edit == "organisation name":
            organisation = agreement.parties.get().organisation
            organisation.name = "Nya namnet"
            organisation.save()
            expected = "Nya namnet"
        else:
            followup = FollowUp.objects.create(
                agreement=agreement,
                year=2025,
                state=FollowUpState.COMPLETED,
                completed_at=datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC),
            )
            CommitmentAssessment.objects.create(
                followup=followup, commitment=commitment, status=AssessmentStatus.FULFILLED
            )
            expected = "Uppfyllt"
    fetch()
    assert len(no_render) == 2
    assert expected in no_render[1]
    fetch()
    assert len(no_render) == 2


def test_a_write_that_bypasses_signals_shows_once_the_fast_entry_expires(
    fetch, agreement, pdf_cache, no_render
):
    fetch()
    Commitment.objects.filter(agreement=agreement).update(text="Ändrat utan signal.")
    fetch()
    assert len(no_render) == 1  # the fast pointer still answers until it expires
    for key in [key for key in pdf_cache._cache if ":pdf:fast:" in key]:
        pdf_cache.delete(key.removeprefix(":1:"))  # as if FAST_PATH_SECONDS had passed
    fetch()
    assert len(no_render) == 2
    assert "Ändrat utan signal." in no_render[1]


def test_unchanged_content_is_not_rendered_again_when_only_the_generation_changes(
    fetch, agreement, no_render, django_capture_on_commit_callbacks
):
    fetch()
    with django_capture_on_commit_callbacks(execute=True):
        Theme.objects.get(slug="praktik").save()  # shared row saved, nothing printed changed
    fetch()
    assert len(no_render) == 1


def test_publishing_a_new_version_reprints_the_old_one_with_a_notice(
    client, agreement, no_render, django_capture_on_commit_callbacks
):
    url = reverse("agreements:version_pdf", kwargs={"slug": agreement.lineage.slug, "number": 1})
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        AgreementFactory(lineage=agreement.lineage, version_number=2, title=agreement.title)
    client.get(url)
    assert len(no_render) == 2
    assert "Det finns en nyare version av överenskommelsen (version 2)" in no_render[1]


def test_each_version_and_each_print_day_has_its_own_pdf(agreement, no_render):
    slug = agreement.lineage.slug
    pdf.agreement_pdf_get(slug=slug, today=datetime.date(2026, 11, 23))
    pdf.agreement_pdf_get(slug=slug, today=datetime.date(2026, 11, 23))
    pdf.agreement_pdf_get(slug=slug, today=datetime.date(2026, 11, 24))
    assert len(no_render) == 2
    assert "Utskriven 24 november 2026" in no_render[1]

    AgreementFactory(lineage=agreement.lineage, version_number=2, title=agreement.title)
    printed = pdf.agreement_pdf_get(slug=slug, today=datetime.date(2026, 11, 24))
    assert printed.filename == f"{slug}-version-2.pdf"
    assert len(no_render) == 3


def test_pdfs_are_stored_by_agreement_version_and_content(agreement, pdf_cache, no_render):
    printed = agreement_get_for_pdf(slug=agreement.lineage.slug)
    assert pdf.agreement_pdf(printed).startswith(b"%PDF")
    keys = [key for key in pdf_cache._cache if ":pdf:generation:" not in key]
    assert len(keys) == 1
    assert f":pdf:{agreement.lineage.slug}:1:" in keys[0]
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_prerender_puts_every_published_agreement_in_the_cache(no_render):
    out = io.StringIO()
    call_command("pdf_prerender", "--lan", "stockholms-lan", stdout=out)
    assert len(no_render) == 10
    assert out.getvalue().startswith("10 PDF:er finns i cachen för i dag")
    call_command("pdf_prerender", "--lan", "01", stdout=io.StringIO())
    assert len(no_render) == 10
    with pytest.raises(CommandError, match="Länet ”atlantis” finns inte"):
        call_command("pdf_prerender", "--lan", "atlantis")


def test_a_publish_prerenders_the_new_version_and_saving_a_draft_renders_nothing(
    settings, client, no_render, norrbotten_staff, django_capture_on_commit_callbacks
):
    """No reader waits for the PDF of a newly published version: a background job (run at
    once in the tests) renders it when the publish commits. A draft is never printed ahead."""
    settings.PDF_PRERENDER_ON_PUBLISH = True
    first = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    with django_capture_on_commit_callbacks(execute=True):
        revised = services.agreement_revise(agreement=first, user=norrbotten_staff)
    with django_capture_on_commit_callbacks(execute=True):
        revised.valid_from = datetime.date(2010, 1, 1)
        revised.signed_on = datetime.date(2009, 12, 15)
        revised.version_label = "Reviderad december 2009"
        revised.save()
    assert no_render == []

    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_publish(agreement=revised, user=norrbotten_staff)
    assert any("från Samverkansregistret, version 2" in html for html in no_render)
    renders = len(no_render)

    response = client.get(reverse("agreements:pdf", kwargs={"slug": "norrbotten-rok"}))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('norrbotten-rok-version-2.pdf"')
    assert len(no_render) == renders  # served from the cache, not rendered for the reader
