import pytest
from django.urls import reverse

from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_newest_and_good_examples_and_hides_drafts(client):
    AgreementFactory(title="Nypublicerad om blåbärsris")
    AgreementFactory(title="Utkast om kvastfenor", draft=True)
    response = client.get(reverse("agreements:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "13 publicerade överenskommelser" in page  # 12 examples and the new one
    assert "Nypublicerad om blåbärsris" in page  # newest first
    assert "Södertälje" in page  # a good example
    assert "kvastfenor" not in page


def test_a_draft_revision_does_not_hide_the_published_version(client):
    published = AgreementFactory(title="Gällande version om isvakar")
    AgreementFactory(
        lineage=published.lineage, version_number=2, title="Utkast om isvakar 2", draft=True
    )
    page = client.get(reverse("agreements:home")).content.decode()
    assert "Gällande version om isvakar" in page
    assert "Utkast om isvakar 2" not in page


def test_agreement_page_shows_parties_and_commitments(client):
    response = client.get(reverse("agreements:detail", kwargs={"slug": "norrbotten-rok"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Per-Ola Eriksson" in page
    assert "Luleå tekniska universitet" in page
    assert "Vara sammankallande för parterna" in page
    assert "Reviderad mars 2009" in page
    assert "från mars 2009 till 2009" in page  # as the source gives it


def test_draft_agreement_page_is_404_for_anonymous(client):
    draft = AgreementFactory(title="Hemligt utkast", draft=True)
    response = client.get(reverse("agreements:detail", kwargs={"slug": draft.lineage.slug}))
    assert response.status_code == 404


def test_user_text_is_escaped(client):
    agreement = AgreementFactory(title="<script>alert(1)</script>")
    response = client.get(reverse("agreements:detail", kwargs={"slug": agreement.lineage.slug}))
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("extra_agreements", [0, 15])
def test_home_query_count_does_not_grow_with_the_data(
    client, django_assert_max_num_queries, extra_agreements
):
    for _ in range(extra_agreements):
        CommitmentFactory(party=PartyFactory())
    with django_assert_max_num_queries(7):
        client.get(reverse("agreements:home"))


@pytest.mark.parametrize("extra_commitments", [0, 30])
def test_agreement_page_query_count_does_not_grow(
    client, django_assert_max_num_queries, extra_commitments
):
    party = PartyFactory()
    for _ in range(extra_commitments):
        CommitmentFactory(party=party)
    with django_assert_max_num_queries(21):
        client.get(reverse("agreements:detail", kwargs={"slug": party.agreement.lineage.slug}))
