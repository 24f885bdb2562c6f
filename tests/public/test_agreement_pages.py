"""Agreement pages: everything the agreement says, versions at stable addresses, diffs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.models import ContactPerson, Organisation
from agreements.diff import word_diff
from agreements.models import Agreement, Goal
from commitments.models import Commitment
from followup.models import FollowUp, FollowUpState
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory, local_agreement
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db


def norrbotten():
    return Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def detail_url(slug):
    return reverse("agreements:detail", kwargs={"slug": slug})


def test_agreement_page_shows_what_the_agreement_says(client):
    agreement = norrbotten()
    Goal.objects.create(
        agreement=agreement,
        text="Fler i arbete efter etableringen.",
        indicator="andel i arbete eller studier efter 90 dagar",
        unit="%",
        baseline_value=30,
        baseline_year=2008,
        target_value=50,
        target_year=2012,
    )
    FollowUp.objects.create(
        agreement=agreement,
        year=2010,
        summary="Samverkan fungerar i Luleå.",
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
    )
    FollowUp.objects.create(agreement=agreement, year=2011, summary="Pågående utkast om pelikaner.")
    html = get(client, detail_url("norrbotten-rok"))
    for expected in [
        "Per-Ola Eriksson",  # signatory
        "Luleå tekniska universitet",  # party
        "Vara sammankallande för parterna",  # a commitment
        "Reviderad mars 2009",
        "från mars 2009 till 2009",  # as the source gives it
        "version 1 av 1",
        "Mätbart mål",
        "andel i arbete eller studier efter 90 dagar",
        "30 % (2008)",
        "50 % (2012)",
        "Samverkan fungerar i Luleå.",  # completed follow-up
        'href="/lan/norrbottens-lan/"',
        'rel="canonical" href="http://testserver/overenskommelser/norrbotten-rok/"',
    ]:
        assert expected in html, expected
    assert "pelikaner" not in html  # follow-up still in progress


def test_only_public_contacts_are_shown(client):
    agreement = norrbotten()
    organisation = Organisation.objects.get(slug="arbetsformedlingen")
    agreement.contacts.add(
        ContactPerson.objects.create(
            organisation=organisation, name="Offentlig Person", is_public=True
        ),
        ContactPerson.objects.create(organisation=organisation, name="Hemlig Person"),
    )
    html = get(client, detail_url("norrbotten-rok"))
    assert "Offentlig Person" in html
    assert "Hemlig Person" not in html


def test_good_example_box_and_related_agreements(client):
    html = get(client, detail_url("sodertalje-lok"))
    assert "Gott exempel" in html
    assert "Konkreta aktiviteter och styrning" in html
    umbrella = AgreementFactory(title="Paraplyet i Norrbotten")
    child = local_agreement(municipality_codes=["2580"], title="Luleås lokala", parent=umbrella)
    html = get(client, detail_url(umbrella.slug))
    assert "Överenskommelser under denna" in html and "Luleås lokala" in html
    assert "Paraplyet i Norrbotten" in get(client, detail_url(child.slug))


def test_versions_stay_at_stable_addresses_and_the_latest_is_at_the_main_one(client):
    first = AgreementFactory(title="Överenskommelse i tre versioner")
    second = revision_create(agreement=first, version_label="Reviderad 2020")
    revision_create(agreement=second, version_label="Reviderad 2024")
    main = get(client, detail_url(first.slug))
    assert "version 3 av 3" in main and "Reviderad 2024" in main
    old = get(client, reverse("agreements:version", kwargs={"slug": first.slug, "number": 2}))
    assert "version 2 av 3" in old
    assert "Du läser version 2 av 3, som har ersatts." in old
    assert f'href="{detail_url(first.slug)}"' in old
    assert reverse("agreements:diff", kwargs={"slug": first.slug, "old": 2, "new": 3}) in old
    assert (
        f'rel="canonical" href="http://testserver/overenskommelser/{first.slug}/version/2/"' in old
    )


def test_a_draft_version_is_not_public(client):
    first = AgreementFactory(title="Publicerad först")
    revision_create(agreement=first, publish=False, title="Hemligt utkast om sillsallad")
    html = get(client, detail_url(first.slug))
    assert "sillsallad" not in html and "version 1 av 1" in html
    get(client, reverse("agreements:version", kwargs={"slug": first.slug, "number": 2}), 404)
    get(client, reverse("agreements:diff", kwargs={"slug": first.slug, "old": 1, "new": 2}), 404)


def test_diff_shows_parties_goals_commitments_and_sections(client):
    first = norrbotten()
    removed = first.parties.get(organisation__slug="lulea-tekniska-universitet")
    added = Organisation.objects.create(name="Föreningen Nykomling", slug="nykomling", kind="other")

    def edit(new):
        new.parties.filter(organisation_id=removed.organisation_id).delete()
        PartyFactory(agreement=new, organisation=added)
        commitment = new.commitments.filter(text__contains="sammankallande").first()
        commitment.text = commitment.text.replace("sammankallande", "sammankallande och värd")
        commitment.save()
        Commitment.objects.create(
            agreement=new,
            party=new.parties.get(organisation=added),
            text="Ordna läxhjälp på lördagar.",
        )
        Goal.objects.create(agreement=new, text="Ett helt nytt mål om språkcaféer.")
        new.purpose = new.purpose + " Dessutom bättre samordning."
        new.save()

    revision_create(agreement=first, version_label="Reviderad 2012", edit=edit)
    compare = client.get(
        reverse("agreements:compare", kwargs={"slug": "norrbotten-rok"}) + "?from=1&to=2"
    )
    assert compare.status_code == 302
    html = get(client, compare["Location"])
    assert "Ändringar från version 1 till version 2" in html
    assert "<ins>Föreningen Nykomling</ins>" in html
    assert "<del>Luleå tekniska universitet</del>" in html
    assert "tillagt: </span>och värd" in html or "och värd" in html.split("<ins>", 2)[-1]
    assert "Ordna läxhjälp på lördagar." in html
    assert "Ett helt nytt mål om språkcaféer." in html
    assert "Dessutom bättre samordning." in html
    assert "Reviderad 2012" in html


def test_word_diff_marks_whole_words():
    segments = word_diff("Kommunen ska erbjuda praktik.", "Kommunen ska ordna praktik i dag.")
    assert [(s.kind, s.text) for s in segments] == [
        ("same", "Kommunen ska "),
        ("removed", "erbjuda"),
        ("added", "ordna"),
        ("same", " praktik"),
        ("added", " i dag"),
        ("same", "."),
    ]


def test_pdf_link_only_when_the_pdf_view_exists(client):
    html = get(client, detail_url("norrbotten-rok"))
    try:
        pdf = reverse("agreements:pdf", kwargs={"slug": "norrbotten-rok"})
    except Exception:
        assert "Ladda ner som PDF" not in html
    else:
        assert pdf in html


@pytest.mark.parametrize("extra", [0, 30])
def test_agreement_page_query_count_does_not_grow(client, django_assert_max_num_queries, extra):
    party = PartyFactory(agreement=AgreementFactory(valid_from=datetime.date(2020, 1, 1)))
    for number in range(extra):
        CommitmentFactory(party=party, text=f"Åtagande {number}")
        Goal.objects.create(agreement=party.agreement, text=f"Mål {number}")
    if extra:
        revision_create(agreement=party.agreement)
    with django_assert_max_num_queries(12):
        client.get(detail_url(party.agreement.slug))
    with django_assert_max_num_queries(12):
        client.get(
            reverse("agreements:version", kwargs={"slug": party.agreement.slug, "number": 1})
        )


@pytest.mark.parametrize("extra", [0, 30])
def test_diff_query_count_does_not_grow(client, django_assert_max_num_queries, extra):
    party = PartyFactory()
    for number in range(extra):
        CommitmentFactory(party=party, text=f"Åtagande {number}")
    revision_create(agreement=party.agreement)
    with django_assert_max_num_queries(8):
        client.get(
            reverse("agreements:diff", kwargs={"slug": party.agreement.slug, "old": 1, "new": 2})
        )
