"""The agreement page: no lost edits (two sessions), the history list, restoring."""

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from agreements.history import history_record
from agreements.models import AgreementSection
from commitments.models import Commitment
from tests.agreements.helpers import (
    change_url,
    form_data,
    history_url,
    inline_index,
    party_page_data,
    party_url,
    restore_url,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    OrganisationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rok():
    """A small published Norrbotten agreement (the seeded one has 51 commitments and a
    change page that takes seconds to render; the rules are the same)."""
    agreement = AgreementFactory(
        title="Lokal överenskommelse i Kiruna", purpose="Samverkan för etablering."
    )
    for name in ("Kiruna kommun (test)", "Arbetsförmedlingen Kiruna (test)"):
        party = PartyFactory(
            agreement=agreement,
            organisation=OrganisationFactory(name=name),
            signatory_name="Anna Andersson",
        )
        CommitmentFactory(party=party, heading="Arbete", text=f"{name} erbjuder praktik.")
        CommitmentFactory(party=party, heading="Boende", text=f"{name} ordnar boende.")
    for order, heading in enumerate(("Mottagande", "Bostäder")):
        AgreementSection.objects.create(
            agreement=agreement, order=order, heading=heading, text=f"Om {heading.lower()}."
        )
    return agreement


@pytest.fixture
def colleague(norrbotten):
    from actors.models import StaffScope
    from actors.services import staff_group_ensure
    from tests.factories import UserFactory

    user = UserFactory(username="kollega", first_name="Kim", last_name="Kollega", is_staff=True)
    user.groups.add(staff_group_ensure())
    StaffScope.objects.create(user=user, county=norrbotten)
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_commitment_change_shows_in_the_history_with_old_and_new_text(rok, norrbotten_staff):
    client = _client(norrbotten_staff)
    commitment = rok.commitments.order_by("party__order", "party_id", "order", "id").first()
    url = party_url(rok, commitment.party)
    data = party_page_data(client.get(url))
    old_text = commitment.text
    data["atagande-0-text"] = "Erbjuda samhällsorientering på modersmål inom tre månader."

    response = client.post(url, data)

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.text.startswith("Erbjuda samhällsorientering på modersmål")
    history = client.get(history_url(rok)).content.decode()
    assert "Åtagande för" in history
    assert old_text.split()[0] in history
    assert "<ins>samhällsorientering" in history or "samhällsorientering på modersmål" in history
    assert "norrbotten" in history  # who


def test_two_sessions_the_second_save_is_refused_and_both_states_are_recoverable(
    rok, norrbotten_staff, colleague
):
    first, second = _client(colleague), _client(norrbotten_staff)
    first_data = form_data(first.get(change_url(rok)))
    second_data = form_data(second.get(change_url(rok)))
    original_title = rok.title

    first_data["title"] = "Regional överenskommelse – kollegans version"
    assert first.post(change_url(rok), first_data).status_code == 302

    second_data["title"] = "Regional överenskommelse – min version"
    refused = second.post(change_url(rok), second_data)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Någon annan har sparat överenskommelsen medan du hade den öppen" in page
    assert "Kim Kollega" in page  # who changed it
    assert "kollegans version" in page  # what they changed, shown
    assert 'value="Regional överenskommelse – min version"' in page  # own edits kept
    rok.refresh_from_db()
    assert rok.title == "Regional överenskommelse – kollegans version"

    # Both states are in the history: the original and the colleague's.
    revisions = [v.revision for v in Version.objects.get_for_object(rok)]
    titles = {
        version.field_dict["title"]
        for revision in revisions
        for version in revision.version_set.filter(content_type__model="agreement")
        if version.object_id == str(rok.pk)
    }
    assert {original_title, "Regional överenskommelse – kollegans version"} <= titles

    # Both changed the title: having seen the changes, the user chooses their own value; the
    # colleague's version stays in the history and can be restored.
    resubmitted = form_data(refused) | {"losning-agreement-title": "mine"}
    assert second.post(change_url(rok), resubmitted).status_code == 302
    rok.refresh_from_db()
    assert rok.title == "Regional överenskommelse – min version"
    colleagues = next(
        v.revision_id
        for v in Version.objects.get_for_object(rok)
        if v.field_dict["title"].endswith("kollegans version")
    )
    restore = restore_url(rok, colleagues)
    assert second.get(restore).status_code == 200
    assert second.post(restore).status_code == 302
    rok.refresh_from_db()
    assert rok.title == "Regional överenskommelse – kollegans version"


def test_concurrent_edit_of_a_commitment_is_refused_too(rok, norrbotten_staff, colleague):
    first, second = _client(colleague), _client(norrbotten_staff)
    commitment = rok.commitments.order_by("party__order", "party_id", "order", "id").first()
    url = party_url(rok, commitment.party)
    first_data = party_page_data(first.get(url))
    second_data = party_page_data(second.get(url))
    first_data["atagande-0-text"] = "Kollegans nya åtagandetext."
    second_data["atagande-0-text"] = "Min nya åtagandetext."

    assert first.post(url, first_data).status_code == 302
    refused = second.post(url, second_data)

    assert refused.status_code == 200
    assert "Någon annan har sparat överenskommelsen" in refused.content.decode()
    assert Commitment.objects.get(pk=commitment.pk).text == "Kollegans nya åtagandetext."


def test_history_is_readable_only_by_those_who_may_read_the_agreement(
    client, norrbotten_staff, stockholm_staff, unscoped_staff
):
    draft = AgreementFactory(draft=True, title="Norrbottensutkast")
    client.force_login(stockholm_staff)
    assert client.get(history_url(draft)).status_code == 404
    client.force_login(unscoped_staff)
    assert client.get(history_url(draft)).status_code == 404
    client.force_login(norrbotten_staff)
    assert client.get(history_url(draft)).status_code == 200


def test_stockholm_staff_may_read_the_history_of_a_published_agreement_but_not_restore(
    client, rok, stockholm_staff
):
    history_record(agreement=rok, comment="Första läget.")
    client.force_login(stockholm_staff)
    page = client.get(history_url(rok)).content.decode()
    assert "Historik" in page
    assert "Återställ till detta läge" not in page
    revision_id = Version.objects.get_for_object(rok).first().revision_id
    assert client.post(restore_url(rok, revision_id)).status_code == 403


def test_saving_from_a_browser_unchanged_changes_no_text(rok, norrbotten_staff):
    """Browsers send line breaks as CRLF; an unchanged save must not rewrite every text."""
    rok.purpose = "Första stycket.\n\nAndra stycket."
    rok.save()
    client = _client(norrbotten_staff)
    data = {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in form_data(client.get(change_url(rok))).items()
    }
    assert client.post(change_url(rok), data).status_code == 302
    rok.refresh_from_db()
    assert rok.purpose == "Första stycket.\n\nAndra stycket."
    history = client.get(history_url(rok)).content.decode()
    assert "Första läget i historiken" in history
    assert "– ändrat" not in history  # a save that changed nothing is no entry
    from django.contrib.admin.models import LogEntry

    assert (
        LogEntry.objects.filter(object_id=str(rok.pk)).latest("action_time").get_change_message()
        == "Inga fält ändrade."
    )


def test_only_a_signatory_party_has_who_signed(rok, norrbotten_staff):
    from actors.models import Organisation

    client = _client(norrbotten_staff)
    organisation = Organisation.objects.get(slug="arbetsformedlingen")
    response = client.post(
        reverse("admin:agreements_agreement_parties", args=[rok.pk]),
        {
            "opened_version": rok.lock_version,
            "organisation": organisation.pk,
            "role": "co_opted",
            "signatory_name": "Eva Ek",
        },
    )
    assert response.status_code == 200
    assert "Bara en undertecknande part har undertecknare och datum" in response.content.decode()
    assert not rok.parties.filter(organisation=organisation).exists()


def test_a_commitment_must_belong_to_a_party_of_this_agreement(rok, norrbotten_staff):
    other_party = PartyFactory()
    client = _client(norrbotten_staff)
    party = rok.parties.first()
    data = party_page_data(client.get(party_url(rok, party)))
    data["atagande-0-party"] = str(other_party.pk)
    response = client.post(party_url(rok, party), data)
    assert response.status_code == 200
    assert "Rätta felen nedan. Inget har sparats." in response.content.decode()
    assert not other_party.commitments.exists()


def _conflict_box(page: str) -> str:
    """The text from the start of the form: the first thing a refused user reads."""
    start = page.index('id="agreement_form"')
    return page[start : start + 2000]


def _sections(rok):
    """Rows of an inline of the head page: merged like the agreement's own fields."""
    return list(rok.sections.order_by("order", "id"))


def test_saving_again_after_a_refusal_keeps_what_the_other_person_saved(
    rok, norrbotten_staff, colleague
):
    a, b = _client(colleague), _client(norrbotten_staff)
    a_data, b_data = form_data(a.get(change_url(rok))), form_data(b.get(change_url(rok)))
    a_data["registration_number"] = "NB 801-1234-2026"
    assert a.post(change_url(rok), a_data).status_code == 302

    b_data["alias"] = "LÖK Kiruna"
    refused = b.post(change_url(rok), b_data)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Var god rätta felet nedan" not in page
    assert "errornote" not in page
    box = _conflict_box(page)
    assert "Någon annan har sparat under tiden" in box  # the box comes first, in Swedish
    assert "Kim Kollega" in box and "NB 801-1234-2026" in box  # who, and what they changed
    rok.refresh_from_db()
    assert (rok.alias, rok.registration_number) == ("", "NB 801-1234-2026")

    assert b.post(change_url(rok), form_data(refused)).status_code == 302
    rok.refresh_from_db()
    assert (rok.alias, rok.registration_number) == ("LÖK Kiruna", "NB 801-1234-2026")


def test_both_changed_the_same_field_the_page_shows_both_values_and_saves_the_choice(
    rok, norrbotten_staff, colleague
):
    a, b = _client(colleague), _client(norrbotten_staff)
    a_data, b_data = form_data(a.get(change_url(rok))), form_data(b.get(change_url(rok)))
    a_data["registration_number"] = "NB 801-1111-2026"
    a_data["alias"] = "Kollegans kortnamn"
    assert a.post(change_url(rok), a_data).status_code == 302
    b_data["registration_number"] = "NB 801-2222-2026"
    refused = b.post(change_url(rok), b_data)

    page = refused.content.decode()
    assert 'name="losning-agreement-registration_number"' in page
    assert "NB 801-1111-2026" in page and "NB 801-2222-2026" in page
    assert "losning-agreement-alias" not in page  # only the colleague changed it

    # Without a choice nothing is saved, and the page asks again, in Swedish.
    again = b.post(change_url(rok), form_data(refused))
    assert again.status_code == 200
    assert "Välj vilka värden som ska sparas" in _conflict_box(again.content.decode())
    rok.refresh_from_db()
    assert rok.registration_number == "NB 801-1111-2026"

    chosen = form_data(refused) | {"losning-agreement-registration_number": "theirs"}
    chosen["purpose"] = "Min nya syftestext."
    assert b.post(change_url(rok), chosen).status_code == 302
    rok.refresh_from_db()
    assert rok.registration_number == "NB 801-1111-2026"
    assert rok.alias == "Kollegans kortnamn"
    assert rok.purpose == "Min nya syftestext."


def test_inline_rows_each_persons_edit_survives_the_second_save(rok, norrbotten_staff, colleague):
    a, b = _client(colleague), _client(norrbotten_staff)
    page = a.get(change_url(rok))
    a_data, b_data = form_data(page), form_data(b.get(change_url(rok)))
    first, second = _sections(rok)[:2]
    i = inline_index(page, "sections", lambda c: c.pk == first.pk)
    j = inline_index(page, "sections", lambda c: c.pk == second.pk)
    a_data[f"sections-{i}-text"] = "Kollegans text för avsnitt ett."
    assert a.post(change_url(rok), a_data).status_code == 302

    b_data[f"sections-{j}-text"] = "Min text för avsnitt två."
    refused = b.post(change_url(rok), b_data)
    assert refused.status_code == 200
    assert "Var god rätta felet nedan" not in refused.content.decode()
    assert b.post(change_url(rok), form_data(refused)).status_code == 302

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.text == "Kollegans text för avsnitt ett."
    assert second.text == "Min text för avsnitt två."


def test_inline_row_both_changed_asks_which_value_to_keep(rok, norrbotten_staff, colleague):
    a, b = _client(colleague), _client(norrbotten_staff)
    page = a.get(change_url(rok))
    a_data, b_data = form_data(page), form_data(b.get(change_url(rok)))
    first = _sections(rok)[0]
    i = inline_index(page, "sections", lambda c: c.pk == first.pk)
    a_data[f"sections-{i}-text"] = "Kollegans text."
    a_data[f"sections-{i}-heading"] = "Kollegans rubrik"
    assert a.post(change_url(rok), a_data).status_code == 302
    b_data[f"sections-{i}-text"] = "Min text."
    refused = b.post(change_url(rok), b_data)

    radio = f"losning-sections-{first.pk}-text"
    page = refused.content.decode()
    assert f'name="{radio}"' in page and "Kollegans text." in page and "Min text." in page
    assert b.post(change_url(rok), form_data(refused) | {radio: "mine"}).status_code == 302
    first.refresh_from_db()
    assert (first.heading, first.text) == ("Kollegans rubrik", "Min text.")


def test_a_row_the_other_person_deleted_does_not_come_back(rok, norrbotten_staff, colleague):
    a, b = _client(colleague), _client(norrbotten_staff)
    page = a.get(change_url(rok))
    a_data, b_data = form_data(page), form_data(b.get(change_url(rok)))
    first, second = _sections(rok)[:2]
    i = inline_index(page, "sections", lambda c: c.pk == first.pk)
    j = inline_index(page, "sections", lambda c: c.pk == second.pk)
    a_data[f"sections-{i}-DELETE"] = "on"
    assert a.post(change_url(rok), a_data).status_code == 302

    b_data[f"sections-{j}-text"] = "Min text för avsnitt två."
    refused = b.post(change_url(rok), b_data)
    assert refused.status_code == 200
    response = b.post(change_url(rok), form_data(refused))

    assert response.status_code == 302
    assert not AgreementSection.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert second.text == "Min text för avsnitt två."
