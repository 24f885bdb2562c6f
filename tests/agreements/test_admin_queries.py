"""Query counts of the staff pages stay flat as the registry grows (two data sizes each)."""

import pytest
from django.urls import reverse

from agreements.history import history_record
from tests.agreements.helpers import change_url, history_url
from tests.factories import AgreementFactory, CommitmentFactory, OrganisationFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("extra", [0, 25])
def test_agreement_list(client, norrbotten_staff, django_assert_max_num_queries, extra):
    for number in range(extra):
        AgreementFactory(draft=number % 3 == 0)
    client.force_login(norrbotten_staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:agreements_agreement_changelist")).status_code == 200


def _agreement_with(commitments: int):
    agreement = AgreementFactory(purpose="Samverkan.")
    parties = [
        PartyFactory(agreement=agreement, organisation=OrganisationFactory(), signatory_name="A")
        for _ in range(2)
    ]
    for number in range(commitments):
        CommitmentFactory(party=parties[number % 2], text=f"Åtagande {number}.")
    return agreement


@pytest.mark.parametrize("commitments", [2, 20])
def test_agreement_page(client, norrbotten_staff, django_assert_max_num_queries, commitments):
    agreement = _agreement_with(commitments)
    client.force_login(norrbotten_staff)
    with django_assert_max_num_queries(34):
        assert client.get(change_url(agreement)).status_code == 200


@pytest.mark.parametrize("revisions", [2, 12])
def test_history_page(client, norrbotten_staff, django_assert_max_num_queries, revisions):
    agreement = _agreement_with(4)
    for number in range(revisions):
        agreement.title = f"Titel {number}"
        agreement.save()
        commitment = agreement.commitments.first()
        commitment.text = f"Ny text {number}"
        commitment.save()
        history_record(agreement=agreement, user=norrbotten_staff, comment=f"Ändring {number}")
    client.force_login(norrbotten_staff)
    with django_assert_max_num_queries(20):
        page = client.get(history_url(agreement))
    assert page.status_code == 200
    assert f"Ändring {revisions - 1}" in page.content.decode()
