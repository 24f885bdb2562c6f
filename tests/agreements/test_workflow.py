"""Revise, publish, unpublish, restore: the services and their admin pages, per persona."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.text import capfirst
from reversion.models import Revision, Version

from actors.models import ContactPerson
from agreements import services
from agreements.document import ROWS, agreement_document_dump
from agreements.history import AGREEMENT_PARTS, history_record, snapshot_diff, snapshot_live
from agreements.models import Agreement, Attachment, LegalStatus, Publication
from commitments.models import Commitment, TargetGroup, Theme
from tests.agreements import pdf_support
from tests.agreements.helpers import pdf_bytes
from tests.agreements.pdf_support import read_pdf
from tests.factories import (
    AgreementFactory,
    GoalFactory,
    OrganisationFactory,
    PartyFactory,
    local_agreement,
)

pdf_cache = pdf_support.pdf_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def rok_2009():
    return Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)


def test_revise_copies_the_agreement_into_a_draft_of_the_next_version(rok_2009, norrbotten_staff):
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)

    assert revised.pk != rok_2009.pk
    assert revised.lineage_id == rok_2009.lineage_id
    assert revised.version_number == 2
    assert revised.publication == Publication.DRAFT
    assert revised.valid_from is None and revised.valid_until is None
    assert revised.title == rok_2009.title
    assert revised.purpose == rok_2009.purpose
    assert set(revised.themes.all()) == set(rok_2009.themes.all())
    assert set(revised.perspectives.all()) == set(rok_2009.perspectives.all())
    assert revised.parties.count() == rok_2009.parties.count() == 10
    assert revised.goals.count() == rok_2009.goals.count()
    assert revised.sections.count() == rok_2009.sections.count()
    assert revised.commitments.count() == rok_2009.commitments.count() == 51
    # Each copied commitment belongs to the copied party of the same organisation.
    for commitment in revised.commitments.select_related("party"):
        assert commitment.party.agreement_id == revised.pk
    original = rok_2009.commitments.order_by("party__order", "order", "id").first()
    copy = revised.commitments.get(
        text=original.text, party__organisation=original.party.organisation
    )
    assert set(copy.themes.all()) == set(original.themes.all())
    # The signed version is untouched.
    rok_2009.refresh_from_db()
    assert rok_2009.publication == Publication.PUBLISHED
    assert rok_2009.commitments.count() == 51


def test_revising_an_old_version_points_to_the_newer_one(rok_2009, norrbotten_staff):
    services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    with pytest.raises(ValidationError) as error:
        services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    assert "Det finns redan en nyare version" in error.value.messages[0]
    assert Agreement.objects.filter(lineage=rok_2009.lineage).count() == 2


def test_other_counties_and_unscoped_staff_may_not_revise(
    rok_2009, stockholm_staff, unscoped_staff
):
    for user in (stockholm_staff, unscoped_staff):
        with pytest.raises(PermissionDenied):
            services.agreement_revise(agreement=rok_2009, user=user)
    assert Agreement.objects.filter(lineage=rok_2009.lineage).count() == 1


def test_publishing_a_revision_marks_the_previous_version_superseded(rok_2009, norrbotten_staff):
    rok_2009.valid_until = None
    rok_2009.save()
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    revised.valid_from = datetime.date(2010, 1, 1)
    revised.signed_on = datetime.date(2009, 12, 15)
    revised.version_label = "Reviderad december 2009"
    revised.save()

    services.agreement_publish(agreement=revised, user=norrbotten_staff)

    revised.refresh_from_db()
    rok_2009.refresh_from_db()
    assert revised.publication == Publication.PUBLISHED and revised.published_at
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)
    assert rok_2009.legal_status_on(datetime.date(2011, 1, 1)) == LegalStatus.SUPERSEDED
    assert revised.legal_status_on(datetime.date(2011, 1, 1)) == LegalStatus.IN_FORCE


def test_a_previous_version_with_an_end_date_keeps_it(rok_2009, norrbotten_staff):
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    revised.valid_from = revised.signed_on = datetime.date(2012, 1, 1)
    revised.version_label = "Reviderad 2012"
    revised.save()
    services.agreement_publish(agreement=revised, user=norrbotten_staff)
    rok_2009.refresh_from_db()
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)


def test_publish_lists_what_is_missing_in_swedish_and_changes_nothing(norrbotten_staff):
    draft = AgreementFactory(draft=True, title="Tomt utkast")

    with pytest.raises(ValidationError) as error:
        services.agreement_publish(agreement=draft, user=norrbotten_staff)

    messages = error.value.messages
    assert "Överenskommelsen har inga parter. Lägg till minst en part." in messages
    assert any(m.startswith("Överenskommelsen har inget innehåll") for m in messages)
    draft.refresh_from_db()
    assert draft.publication == Publication.DRAFT


def test_publish_refuses_a_draft_whose_umbrella_is_unpublished(norrbotten_staff):
    umbrella = AgreementFactory(draft=True, level="central", county=None)
    draft = AgreementFactory(draft=True, purpose="Samverkan.", parent=umbrella)
    PartyFactory(agreement=draft)
    with pytest.raises(ValidationError) as error:
        services.agreement_publish(agreement=draft, user=norrbotten_staff)
    assert "Paraplyöverenskommelsen" in " ".join(error.value.messages)


def test_the_publish_action_publishes_an_umbrella_before_the_agreements_under_it(
    client, norrbotten_staff
):
    """Imported together, selected together: the local agreement comes first by title, but
    its umbrella is published first, so both are."""
    umbrella = AgreementFactory(draft=True, title="Regional överenskommelse", purpose="Samverkan.")
    local = local_agreement(
        municipality_codes=["2580"],
        draft=True,
        title="Lokal överenskommelse",
        purpose="Samverkan.",
        parent=umbrella,
    )
    for agreement in (umbrella, local):
        PartyFactory(agreement=agreement)
    client.force_login(norrbotten_staff)

    response = client.post(
        reverse("admin:agreements_agreement_changelist"),
        {"action": "publish_selected", ACTION_CHECKBOX_NAME: [local.pk, umbrella.pk]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "publicerades inte" not in page
    assert f"{local} är publicerad." in page and f"{umbrella} är publicerad." in page
    assert Agreement.objects.published().filter(pk__in=[local.pk, umbrella.pk]).count() == 2


def test_publish_a_complete_draft(norrbotten_staff):
    draft = AgreementFactory(draft=True, purpose="Samverkan för etablering.")
    PartyFactory(agreement=draft)
    published = services.agreement_publish(agreement=draft, user=norrbotten_staff)
    assert published.publication == Publication.PUBLISHED
    assert Agreement.objects.published().filter(pk=draft.pk).exists()


def test_unpublish_needs_a_reason_and_keeps_it_in_the_history(rok_2009, norrbotten_staff):
    with pytest.raises(ValidationError) as error:
        services.agreement_unpublish(agreement=rok_2009, user=norrbotten_staff, reason="  ")
    assert "Skriv varför" in error.value.messages[0]
    rok_2009.refresh_from_db()
    assert rok_2009.is_published

    services.agreement_unpublish(
        agreement=rok_2009, user=norrbotten_staff, reason="Fel länsnamn i titeln."
    )
    rok_2009.refresh_from_db()
    assert not rok_2009.is_published and rok_2009.published_at is None

    comments = [v.revision.comment for v in Version.objects.get_for_object(rok_2009)]
    assert "Avpublicerad. Skäl: Fel länsnamn i titeln." in comments


def test_national_editor_publishes_in_any_county(stockholm, national_editor):
    draft = AgreementFactory(draft=True, county=stockholm, purpose="Samverkan.")
    PartyFactory(agreement=draft, organisation=OrganisationFactory())
    services.agreement_publish(agreement=draft, user=national_editor)
    draft.refresh_from_db()
    assert draft.is_published


def test_restore_brings_back_a_removed_commitment(rok_2009, norrbotten_staff):
    revision_id = (
        Version.objects.get_for_object(rok_2009).latest("revision__date_created").revision_id
    )
    removed = rok_2009.commitments.first()
    text = removed.text
    removed.delete()
    services.agreement_restore(agreement=rok_2009, revision_id=revision_id, user=norrbotten_staff)
    assert Commitment.objects.filter(agreement=rok_2009, text=text).exists()
    assert rok_2009.commitments.count() == 51


# Revise copies what the revise page says it copies, and nothing more -----------------------


def _values(row, *, skip=("id", "agreement", "party", "order")) -> dict:
    """Every field a person could see on a part, without what ties it to its agreement (and
    its order number: a copy keeps the order, numbered from 0)."""
    values = {
        field.name: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.name not in skip
    }
    for field in row._meta.many_to_many:
        values[field.name] = set(getattr(row, field.name).all())
    return values


@pytest.fixture
def signed_rok(rok_2009, settings, tmp_path):
    """The 2009 agreement as signed: with a signing date, signatory titles and dates, a party
    goal with every field, a commitment with every field and the signed original."""
    settings.MEDIA_ROOT = tmp_path
    rok_2009.signed_on = datetime.date(2009, 2, 20)
    rok_2009.save()
    rok_2009.parties.update(signatory_title="Ordförande", signed_on=datetime.date(2009, 2, 20))
    party = rok_2009.parties.order_by("order", "id").first()
    GoalFactory(
        agreement=rok_2009,
        party=party,
        text="Fler i arbete.",
        indicator="andel i arbete efter 90 dagar",
        unit="%",
        baseline_value=20,
        baseline_year=2008,
        target_value=40,
        target_year=2011,
        order=7,
    )
    commitment = rok_2009.commitments.filter(party=party).first()
    commitment.phase = "both"
    commitment.responsible_contact = ContactPerson.objects.first()
    commitment.period_start = datetime.date(2009, 1, 1)
    commitment.period_end = datetime.date(2010, 12, 31)
    commitment.deadline = datetime.date(2010, 6, 30)
    commitment.activity_how = "Praktik hos kommunen."
    commitment.activity_when = "Varje termin."
    commitment.activity_followup = "Räknas i uppföljningen."
    commitment.save()
    commitment.themes.set(Theme.objects.all()[:2])
    commitment.target_groups.set(TargetGroup.objects.all()[:1])
    Attachment.objects.create(
        agreement=rok_2009,
        title="Undertecknat original 2009",
        kind="signed_original",
        file=SimpleUploadedFile("rok-2009.pdf", pdf_bytes(), "application/pdf"),
    )
    return rok_2009


def test_a_revision_has_no_signatures_dates_or_attachments(signed_rok, norrbotten_staff):
    revised = services.agreement_revise(agreement=signed_rok, user=norrbotten_staff)

    assert (revised.signed_on, revised.valid_from, revised.valid_until) == (None, None, None)
    assert revised.version_label == ""
    assert not revised.attachments.exists()
    signatures = revised.parties.values_list("signatory_name", "signatory_title", "signed_on")
    assert set(signatures) == {("", "", None)}


def test_a_revision_has_every_section_tag_party_goal_and_commitment(signed_rok, norrbotten_staff):
    revised = services.agreement_revise(agreement=signed_rok, user=norrbotten_staff)

    for tags in (field.name for field in Agreement._meta.many_to_many):
        assert set(getattr(revised, tags).all()) == set(getattr(signed_rok, tags).all()), tags
    assert [_values(s) for s in revised.sections.all()] == [
        _values(s) for s in signed_rok.sections.all()
    ]
    unsigned = ("id", "agreement", "order", "signatory_name", "signatory_title", "signed_on")
    assert [_values(p, skip=unsigned) for p in revised.parties.all()] == [
        _values(p, skip=unsigned) for p in signed_rok.parties.all()
    ]

    def by_party(parts):
        """Each part's values with its party named by organisation (0: shared by all)."""
        return sorted(
            (part.party.organisation_id if part.party else 0, repr(sorted(_values(part).items())))
            for part in parts.select_related("party")
        )

    assert by_party(revised.goals) == by_party(signed_rok.goals)
    assert by_party(revised.commitments) == by_party(signed_rok.commitments)
    assert signed_rok.goals.filter(party__isnull=False).exists()
    assert signed_rok.commitments.exclude(activity_how="").exists()


def test_a_revision_is_its_source_document_less_what_is_not_copied(signed_rok, norrbotten_staff):
    """Generated from the agreement document: a field added to any part is copied unless the
    revise page names it as not copied."""
    revised = services.agreement_revise(agreement=signed_rok, user=norrbotten_staff)

    source = agreement_document_dump(agreement=signed_rok)
    expected = source | {
        "version_number": signed_rok.version_number + 1,
        "publication": "draft",
        "version_label": "",
        "signed_on": None,
        "valid_from": None,
        "valid_until": None,
        "reception_figures": [],
        "parties": [
            party | {"signatory_name": "", "signatory_title": "", "signed_on": None}
            for party in source["parties"]
        ],
    }
    assert agreement_document_dump(agreement=revised) == expected
    assert set(services.REVISION_NOT_COPIED) <= {*AGREEMENT_PARTS, *(r.name for r in ROWS)}


def test_the_revise_page_lists_what_is_copied_and_what_is_not(client, signed_rok, norrbotten_staff):
    client.force_login(norrbotten_staff)
    response = client.get(reverse("admin:agreements_agreement_revise", args=[signed_rok.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    summary = services.revision_copy_summary()
    for label in (*summary.copied, *summary.not_copied):
        assert capfirst(label) in page, label
    for needle in ("parter", "åtaganden", "versionsbeteckning", "gäller från", "bilagor"):
        assert needle in page.lower()
    assert "vem som undertecknade för varje part" in page.lower()


def test_the_pdf_of_a_revision_names_no_one_who_signed_the_earlier_version(
    client, rok_2009, norrbotten_staff, pdf_cache
):
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    revised.version_label = "Reviderad 2010"
    revised.valid_from = revised.signed_on = datetime.date(2010, 1, 1)
    revised.save()
    services.agreement_publish(agreement=revised, user=norrbotten_staff)

    def pdf(number):
        url = reverse("agreements:version_pdf", kwargs={"slug": "norrbotten-rok", "number": number})
        response = client.get(url)
        assert response.status_code == 200
        return read_pdf(response.content)

    assert pdf(1).contains("Per-Ola Eriksson")  # the control: the signed version names him
    assert not pdf(2).contains("Per-Ola Eriksson")


# Publish names every date and the label a revision lacks ----------------------------------

MISSING_FOR_A_REVISION = {
    "version_label": "Ange versionsbeteckning",
    "signed_on": "Ange datum då den reviderade versionen undertecknades",
    "valid_from": "Ange från vilket datum den reviderade versionen gäller",
}


def _complete_revision(rok_2009, user, **missing):
    revised = services.agreement_revise(agreement=rok_2009, user=user)
    for name, value in {
        "version_label": "Reviderad 2010",
        "signed_on": datetime.date(2009, 12, 15),
        "valid_from": datetime.date(2010, 1, 1),
        **missing,
    }.items():
        setattr(revised, name, value)
    revised.save()
    return revised


def test_an_undated_unlabelled_revision_is_not_published(rok_2009, norrbotten_staff):
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)

    with pytest.raises(ValidationError) as error:
        services.agreement_publish(agreement=revised, user=norrbotten_staff)

    said = " ".join(error.value.messages)
    for sentence in MISSING_FOR_A_REVISION.values():
        assert sentence in said
    revised.refresh_from_db()
    rok_2009.refresh_from_db()
    assert revised.publication == Publication.DRAFT
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)


@pytest.mark.parametrize("missing", sorted(MISSING_FOR_A_REVISION))
def test_the_publish_page_names_each_missing_item_of_a_revision(
    client, rok_2009, norrbotten_staff, missing
):
    revised = _complete_revision(
        rok_2009, norrbotten_staff, **{missing: "" if missing == "version_label" else None}
    )
    url = reverse("admin:agreements_agreement_publish", args=[revised.pk])
    client.force_login(norrbotten_staff)

    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert MISSING_FOR_A_REVISION[missing] in page
    others = set(MISSING_FOR_A_REVISION) - {missing}
    assert not any(MISSING_FOR_A_REVISION[other] in page for other in others)
    assert client.post(url).status_code == 200
    revised.refresh_from_db()
    assert not revised.is_published


@pytest.mark.parametrize("missing", sorted(MISSING_FOR_A_REVISION))
def test_the_publish_action_names_each_missing_item_of_a_revision(
    client, rok_2009, norrbotten_staff, missing
):
    revised = _complete_revision(
        rok_2009, norrbotten_staff, **{missing: "" if missing == "version_label" else None}
    )
    client.force_login(norrbotten_staff)
    response = client.post(
        reverse("admin:agreements_agreement_changelist"),
        {"action": "publish_selected", ACTION_CHECKBOX_NAME: [revised.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "publicerades inte" in response.content.decode()
    assert MISSING_FOR_A_REVISION[missing] in response.content.decode()
    revised.refresh_from_db()
    assert not revised.is_published


def test_a_complete_revision_is_published_from_the_publish_page(client, rok_2009, norrbotten_staff):
    rok_2009.valid_until = None
    rok_2009.save()
    revised = _complete_revision(rok_2009, norrbotten_staff)
    url = reverse("admin:agreements_agreement_publish", args=[revised.pk])
    client.force_login(norrbotten_staff)
    assert "dagen före 1 januari 2010" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    revised.refresh_from_db()
    assert revised.is_published


def test_a_first_version_with_unknown_dates_may_be_published(norrbotten_staff):
    draft = AgreementFactory(draft=True, purpose="Samverkan sedan länge.")
    PartyFactory(agreement=draft)
    assert services.agreement_publication_problems(draft) == []
    services.agreement_publish(agreement=draft, user=norrbotten_staff)
    draft.refresh_from_db()
    assert draft.is_published and draft.valid_from is None and draft.signed_on is None


# Restore changes content, not publication, version or a published version's dates ---------


@pytest.fixture
def published_after_an_early_draft(norrbotten_staff):
    """An agreement recorded as an undated, unlabelled draft, then dated and published: the
    early state is the one restored."""
    agreement = AgreementFactory(draft=True, title="Samverkan i Kiruna", purpose="Första texten.")
    PartyFactory(agreement=agreement)
    history_record(agreement=agreement, user=norrbotten_staff, comment="Utkast.")
    early = Version.objects.get_for_object(agreement).latest("revision__date_created").revision_id
    agreement.purpose = "Den publicerade texten."
    agreement.signed_on = datetime.date(2024, 5, 2)
    agreement.valid_from = datetime.date(2024, 6, 1)
    agreement.valid_until = datetime.date(2027, 12, 31)
    agreement.version_label = "Undertecknad maj 2024"
    agreement.save()
    history_record(agreement=agreement, user=norrbotten_staff, comment="Datum.")
    services.agreement_publish(agreement=agreement, user=norrbotten_staff)
    agreement.refresh_from_db()
    return agreement, early


def _restore_url(agreement, revision_id):
    return reverse("admin:agreements_agreement_restore", args=[agreement.pk, revision_id])


def test_the_restore_preview_lists_content_only_and_offers_the_dates(
    client, published_after_an_early_draft, norrbotten_staff
):
    agreement, early = published_after_an_early_draft
    client.force_login(norrbotten_staff)
    response = client.get(_restore_url(agreement, early))
    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index("Det här ändras") : page.index('name="restore_dates"')]
    assert "Första" in table and "publicerade" in table  # the text, word-diffed
    for unchanged in ("Utkast", "Publicerad", "Undertecknad maj 2024", "2024", "2027"):
        assert unchanged not in table, unchanged
    choice = page[page.index('name="restore_dates"') :]
    assert "Återställ även datumen" in page
    assert "1 juni 2024" in choice and "31 december 2027" in choice


def test_restore_keeps_publication_version_and_dates_of_a_published_version(
    client, published_after_an_early_draft, norrbotten_staff
):
    agreement, early = published_after_an_early_draft
    client.force_login(norrbotten_staff)
    assert client.post(_restore_url(agreement, early)).status_code == 302

    restored = Agreement.objects.get(pk=agreement.pk)
    assert restored.purpose == "Första texten."
    assert restored.is_published and restored.published_at == agreement.published_at
    assert restored.version_number == 1 and restored.version_label == "Undertecknad maj 2024"
    assert (restored.signed_on, restored.valid_from, restored.valid_until) == (
        agreement.signed_on,
        agreement.valid_from,
        agreement.valid_until,
    )
    public = client.get(reverse("agreements:detail", kwargs={"slug": agreement.lineage.slug}))
    assert public.status_code == 200
    assert "Giltighet okänd" not in public.content.decode()
    assert "Första texten." in public.content.decode()


def test_restore_brings_back_the_dates_only_when_asked(
    client, published_after_an_early_draft, norrbotten_staff
):
    agreement, early = published_after_an_early_draft
    client.force_login(norrbotten_staff)
    client.post(_restore_url(agreement, early), {"restore_dates": "1"})
    restored = Agreement.objects.get(pk=agreement.pk)
    assert (restored.signed_on, restored.valid_from, restored.valid_until) == (None, None, None)
    assert restored.is_published and restored.version_label == "Undertecknad maj 2024"


@pytest.mark.parametrize("restore_dates", [False, True])
def test_restore_writes_exactly_what_its_preview_lists(
    published_after_an_early_draft, norrbotten_staff, restore_dates
):
    agreement, early = published_after_an_early_draft
    plan = services.agreement_restore_plan(
        agreement=agreement, revision=Revision.objects.get(pk=early), restore_dates=restore_dates
    )
    assert plan.changes()
    services.agreement_restore(
        agreement=agreement, revision_id=early, user=norrbotten_staff, restore_dates=restore_dates
    )
    assert snapshot_diff(snapshot_live(agreement), plan.target) == []


def test_restoring_a_draft_restores_its_dates_with_the_content(norrbotten_staff):
    draft = AgreementFactory(draft=True, valid_from=datetime.date(2020, 1, 1))
    history_record(agreement=draft, user=norrbotten_staff, comment="Första.")
    first = Version.objects.get_for_object(draft).latest("revision__date_created").revision_id
    draft.valid_from = datetime.date(2021, 1, 1)
    draft.save()
    plan = services.agreement_restore_plan(
        agreement=draft, revision=Version.objects.get_for_object(draft).first().revision
    )
    assert plan.date_changes() == []
    services.agreement_restore(agreement=draft, revision_id=first, user=norrbotten_staff)
    draft.refresh_from_db()
    assert draft.valid_from == datetime.date(2020, 1, 1) and not draft.is_published
