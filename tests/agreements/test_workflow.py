"""Revise, publish, unpublish: the services, per persona."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import services
from agreements.models import Agreement, LegalStatus, Publication
from commitments.models import Commitment
from tests.factories import AgreementFactory, OrganisationFactory, PartyFactory

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
    revised.version_label = "Reviderad december 2009"
    revised.save()

    services.agreement_publish(agreement=revised, user=norrbotten_staff)

    revised.refresh_from_db()
    rok_2009.refresh_from_db()
    assert revised.publication == Publication.PUBLISHED and revised.published_at
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)
    assert rok_2009.legal_status_on(datetime.date(2011, 1, 1)) == LegalStatus.SUPERSEDED
    assert revised.legal_status_on(datetime.date(2011, 1, 1)) == LegalStatus.IN_FORCE


def test_publishing_an_undated_revision_ends_the_previous_version_today(norrbotten_staff):
    previous = AgreementFactory(purpose="Samverkan.", valid_from=datetime.date(2015, 1, 1))
    PartyFactory(agreement=previous)
    revised = services.agreement_revise(agreement=previous, user=norrbotten_staff)
    services.agreement_publish(agreement=revised, user=norrbotten_staff)
    previous.refresh_from_db()
    assert previous.valid_until == datetime.date.today()


def test_a_previous_version_with_an_end_date_keeps_it(rok_2009, norrbotten_staff):
    assert rok_2009.valid_until == datetime.date(2009, 12, 31)
    revised = services.agreement_revise(agreement=rok_2009, user=norrbotten_staff)
    revised.valid_from = datetime.date(2012, 1, 1)
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
    from reversion.models import Version

    comments = [v.revision.comment for v in Version.objects.get_for_object(rok_2009)]
    assert "Avpublicerad. Skäl: Fel länsnamn i titeln." in comments


def test_national_editor_publishes_in_any_county(stockholm, national_editor):
    draft = AgreementFactory(draft=True, county=stockholm, purpose="Samverkan.")
    PartyFactory(agreement=draft, organisation=OrganisationFactory())
    services.agreement_publish(agreement=draft, user=national_editor)
    draft.refresh_from_db()
    assert draft.is_published


def test_restore_brings_back_a_removed_commitment(rok_2009, norrbotten_staff):
    from reversion.models import Version

    revision_id = (
        Version.objects.get_for_object(rok_2009).latest("revision__date_created").revision_id
    )
    removed = rok_2009.commitments.first()
    text = removed.text
    removed.delete()
    services.agreement_restore(agreement=rok_2009, revision_id=revision_id, user=norrbotten_staff)
    assert Commitment.objects.filter(agreement=rok_2009, text=text).exists()
    assert rok_2009.commitments.count() == 51
