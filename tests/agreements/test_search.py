"""Swedish full-text search with weights, websearch syntax, snippets and a spelling fallback,
on a small corpus of our own (the seed agreements are there too, and are searched as well)."""

import pytest

from agreements.models import Agreement, AgreementSection, SearchDocument
from agreements.search import snippet_html
from tests.factories import AgreementFactory, CommitmentFactory, GoalFactory, PartyFactory

pytestmark = pytest.mark.django_db


def titles(queryset):
    return [agreement.title for agreement in queryset]


def test_stemming_finds_other_forms_of_the_word():
    AgreementFactory(title="Avtal om kvastfeningsöverenskommelse", purpose="Om tranbärsodlingar.")
    assert "Avtal om kvastfeningsöverenskommelse" in titles(
        Agreement.objects.search("tranbärsodlingarna")
    )


def test_title_outranks_purpose_outranks_commitments_outranks_parties():
    in_title = AgreementFactory(title="Hjortronplockning i fjällen")
    in_purpose = AgreementFactory(title="Avtal B", purpose="Samverkan om hjortronplockning.")
    in_commitment = CommitmentFactory(text="Erbjuda hjortronplockning varje höst.").agreement
    in_party = PartyFactory(organisation__name="Hjortronplockning ideell förening").agreement
    ranked = list(Agreement.objects.search("hjortronplockning"))
    assert ranked == [in_title, in_purpose, in_commitment, in_party]
    assert ranked[0].rank > ranked[1].rank > ranked[2].rank > ranked[3].rank


def test_websearch_syntax_phrases_exclusion_and_or():
    AgreementFactory(title="Lingonsylt och kanelbullar")
    AgreementFactory(title="Kanelbullar utan sylt")
    AgreementFactory(title="Blåbärspaj")
    assert titles(Agreement.objects.search('"lingonsylt och kanelbullar"')) == [
        "Lingonsylt och kanelbullar"
    ]
    assert titles(Agreement.objects.search("kanelbullar -lingonsylt")) == ["Kanelbullar utan sylt"]
    assert set(titles(Agreement.objects.search("blåbärspaj or lingonsylt"))) == {
        "Blåbärspaj",
        "Lingonsylt och kanelbullar",
    }


def test_a_misspelt_place_name_is_found_by_the_trigram_fallback():
    assert "Lokal överenskommelse om nyanländas etablering i Södertälje" in titles(
        Agreement.objects.search("Sodertalje")
    )
    norrbotten = titles(Agreement.objects.search("Norrboten"))
    assert norrbotten and "Norrbottens län" in norrbotten[0]


def test_the_fallback_keeps_a_and_ae_apart_in_full_text_search():
    """Å and Ä are letters of their own: full-text search for "Åre" does not find "Are"."""
    AgreementFactory(title="Samverkan i Arevik")
    found = Agreement.objects.search("Årevik")
    # Full text finds nothing for Årevik, so the spelling fallback answers, folding å→a.
    assert titles(found) == ["Samverkan i Arevik"]
    AgreementFactory(title="Samverkan i Årevik")
    assert titles(Agreement.objects.search("Årevik")) == ["Samverkan i Årevik"]


def test_changing_a_part_updates_the_search_document_at_once():
    agreement = AgreementFactory(title="Avtal utan ord")
    assert not Agreement.objects.search("myltaktiviteter").exists()
    section = AgreementSection.objects.create(
        agreement=agreement, heading="Övrigt", text="Gemensamma myltaktiviteter."
    )
    assert titles(Agreement.objects.search("myltaktiviteter")) == ["Avtal utan ord"]
    section.delete()
    assert not Agreement.objects.search("myltaktiviteter").exists()
    GoalFactory(agreement=agreement, text="Fler myltaktiviteter")
    assert Agreement.objects.search("myltaktiviteter").exists()


def test_renaming_an_organisation_updates_its_agreements():
    party = PartyFactory(organisation__name="Föreningen Gammalnamn")
    party.organisation.name = "Föreningen Nyttnamnsson"
    party.organisation.save()
    assert titles(Agreement.objects.search("Nyttnamnsson")) == [party.agreement.title]


def test_snippet_escapes_the_text_and_marks_the_match():
    html = snippet_html("<script>x</script> \u27e6samverkan\u27e7")
    assert html == "&lt;script&gt;x&lt;/script&gt; <mark>samverkan</mark>"


def test_empty_query_finds_nothing():
    assert not Agreement.objects.search("   ").exists()


def test_deleting_an_agreement_deletes_its_search_document():
    """Its commitments' deletion signals write the document again while the agreement is
    being deleted; the database's cascade removes it with the agreement all the same."""
    first = CommitmentFactory(text="Gemensamma snöskoterturer.")
    CommitmentFactory(agreement=first.agreement, party=first.party, text="Fler snöskoterturer.")
    agreement = first.agreement
    assert SearchDocument.objects.filter(agreement=agreement).exists()
    pk = agreement.pk
    agreement.delete()
    assert not SearchDocument.objects.filter(agreement_id=pk).exists()
    assert not Agreement.objects.search("snöskoterturer").exists()
