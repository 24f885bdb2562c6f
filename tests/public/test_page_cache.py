"""The kept public pages (agreements/page_cache.py): read again for a query or two, and never
shown after anything on them changed. Elsewhere in the tests nothing is kept (CACHES["pages"]
is a dummy under DJANGO_DEBUG); here it is, and the writes run their after-commit callbacks
as in production."""

import datetime
import re

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone, translation

from actors.models import Organisation
from agreements.catalogue_index import catalogue_index
from agreements.models import Agreement
from agreements.page_cache import PAGE_CACHE_ALIAS
from agreements.services import agreement_document_dump, agreement_document_write
from followup.models import FollowUp, FollowUpState, ReceptionFigure
from tests.factories import AgreementFactory, PartyFactory, local_agreement
from tests.revisions import revision_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kept_pages")]

TODAY = timezone.localdate()


@pytest.fixture
def kept_pages(settings):
    settings.CACHES = {
        **settings.CACHES,
        PAGE_CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages-tests",
        },
    }
    caches[PAGE_CACHE_ALIAS].clear()
    caches["default"].clear()
    yield
    caches[PAGE_CACHE_ALIAS].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a write's after-commit callbacks (new generations, the catalogue's token)."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def counted(html: str) -> int:
    """The catalogue's number of agreements found, as it says it."""
    return int(re.search(r'class="result-count"[^>]*>\s*<strong>(\d+) ', html).group(1))


def test_an_agreement_page_read_again_costs_one_query(client, django_assert_max_num_queries):
    party = PartyFactory(agreement=AgreementFactory(valid_from=datetime.date(2020, 1, 1)))
    url = party.agreement.get_absolute_url()
    first = page(client, url)
    with django_assert_max_num_queries(1):
        assert page(client, url) == first
    # The English page is another page (and the test's language stays Swedish).
    with translation.override("sv"):
        assert 'lang="en"' in page(client, f"/en{url}")


def test_a_kept_agreement_page_shows_every_change(client, committed):
    agreement = AgreementFactory(valid_from=datetime.date(2020, 1, 1))
    party = PartyFactory(agreement=agreement, organisation=Organisation.objects.first())
    url = agreement.get_absolute_url()
    page(client, url)

    committed(
        lambda: FollowUp.objects.create(
            agreement=agreement,
            year=2021,
            summary="Samverkan om pelikaner fungerar.",
            state=FollowUpState.COMPLETED,
            completed_at=timezone.now(),
        )
    )
    assert "Samverkan om pelikaner fungerar." in page(client, url)

    municipality = agreement.county.municipalities.order_by("code").first()
    committed(
        lambda: ReceptionFigure.objects.create(
            municipality=municipality, year=2021, agreed_number=17, source_agreement=agreement
        )
    )
    assert "Mottagande 2021" in page(client, url)

    organisation = party.organisation
    organisation.name = "Pelikanverket"
    committed(organisation.save)
    assert "Pelikanverket" in page(client, url)

    newer = committed(lambda: revision_create(agreement=agreement, valid_from=TODAY))
    version_1 = reverse("agreements:version", kwargs={"slug": agreement.slug, "number": 1})
    assert "som har ersatts" in page(client, version_1)
    assert newer.version_number == 2


def test_a_kept_agreement_page_shows_the_status_of_the_day(client, monkeypatch):
    agreement = AgreementFactory(valid_from=datetime.date(2020, 1, 1), valid_until=TODAY)
    url = agreement.get_absolute_url()
    assert "status-in_force" in page(client, url)
    monkeypatch.setattr(
        "agreements.models.timezone.localdate", lambda *args: TODAY + datetime.timedelta(days=1)
    )
    assert "status-expired" in page(client, url)


def test_an_unpublished_agreement_page_is_gone_at_once(client, committed):
    agreement = AgreementFactory()
    url = agreement.get_absolute_url()
    page(client, url)
    Agreement.objects.filter(pk=agreement.pk).update(publication="draft", published_at=None)
    page(client, url, status=404)


def test_the_public_list_of_agreements_is_the_databases(client):
    for number in range(6):
        local_agreement(
            municipality_codes=["0114" if number % 2 else "2584"],
            valid_from=datetime.date(2010 + number, 1, 1),
            valid_until=datetime.date(2015, 12, 31) if number < 3 else None,
        )
    catalogue_index()
    for query in [
        "page_size=4",
        "page_size=4&page=2",
        "status=in_force&level=local",
        "status=expired&county=25",
        "municipality=0114&year=unknown",
        "theme=sfi&good_example=false",
        "versions=latest&organisation_kind=national_agency",
    ]:
        kept = client.get(f"/api/v1/agreements/?{query}")
        from_database = client.get(f"/api/v1/agreements/?{query}&ordering=id")
        assert kept.status_code == from_database.status_code == 200, query
        assert kept["Last-Modified"] == from_database["Last-Modified"], query
        kept, from_database = kept.json(), from_database.json()
        assert kept["count"] == from_database["count"], query
        assert kept["results"] == from_database["results"], query


def test_the_public_list_read_again_costs_one_query_and_shows_a_publication(
    client, committed, django_assert_max_num_queries
):
    catalogue_index()
    url = "/api/v1/agreements/?page_size=50"
    before = client.get(url).json()
    with django_assert_max_num_queries(1):
        assert client.get(url).json() == before
    new = committed(lambda: AgreementFactory(title="Pelikanöverenskommelsen"))
    after = client.get(url).json()
    assert after["count"] == before["count"] + 1
    assert new.pk in [row["id"] for row in after["results"]]


def test_the_kept_public_list_shows_every_change_of_what_it_lists(client, committed):
    """It is kept under the catalogue's token alone: an edit through the document service (no
    save signals), a county's and a municipality's new codes and a publication all move it."""
    agreement = local_agreement(
        municipality_codes=["2584"], title="Kirunaavtalet", valid_from=datetime.date(2020, 1, 1)
    )
    catalogue_index()
    url = "/api/v1/agreements/?page_size=50"

    def listed(pk=agreement.pk) -> dict:
        rows = {row["id"]: row for row in client.get(url).json()["results"]}
        return rows.get(pk)

    assert listed()["title"] == "Kirunaavtalet"

    document = agreement_document_dump(agreement=agreement)
    document["title"] = "Kirunaavtalet om pelikaner"
    committed(lambda: agreement_document_write(agreement=agreement, document=document))
    assert listed()["title"] == "Kirunaavtalet om pelikaner"

    county = agreement.county
    county.letter_code = "PL"
    committed(county.save)
    assert listed()["county"]["letter_code"] == "PL"

    municipality = agreement.municipalities.get()
    municipality.code = "2599"
    committed(municipality.save)
    assert [place["code"] for place in listed()["municipalities"]] == ["2599"]

    new = committed(lambda: local_agreement(municipality_codes=["2580"], title="Luleåavtalet"))
    assert listed(new.pk)["title"] == "Luleåavtalet"


def test_a_kept_county_page_shows_a_completed_followup(
    client, committed, django_assert_max_num_queries
):
    agreement = local_agreement(municipality_codes=["2584"], valid_from=datetime.date(2020, 1, 1))
    url = reverse("actors:county", kwargs={"slug": "norrbottens-lan"})
    catalogue_index()
    first = page(client, url)
    with django_assert_max_num_queries(2):
        assert page(client, url) == first
    committed(
        lambda: FollowUp.objects.create(
            agreement=agreement,
            year=2023,
            state=FollowUpState.COMPLETED,
            completed_at=timezone.now(),
        )
    )
    assert '<td data-label="Senaste uppföljning">2023</td>' in page(client, url)


def test_kept_national_and_municipality_pages_show_a_publication_and_a_reception_figure(
    client, committed, django_assert_max_num_queries
):
    national = reverse("actors:national")
    kiruna = reverse("actors:municipality", kwargs={"slug": "kiruna"})
    catalogue_index()
    first = page(client, national)
    assert "Kirunaavtalet" not in page(client, kiruna)
    with django_assert_max_num_queries(3):
        assert page(client, national) == first
    agreement = committed(
        lambda: local_agreement(
            municipality_codes=["2584"], title="Kirunaavtalet", valid_from=datetime.date(2020, 1, 1)
        )
    )
    assert page(client, national) != first
    assert "Kirunaavtalet" in page(client, kiruna)
    committed(
        lambda: ReceptionFigure.objects.create(
            municipality=agreement.municipalities.get(),
            year=2021,
            agreed_number=17,
            source_agreement=agreement,
        )
    )
    assert '<td data-label="Antal">17</td>' in page(client, kiruna)


def test_the_catalogue_read_again_costs_one_query_and_follows_every_publication(
    client, committed, django_assert_max_num_queries
):
    agreement = local_agreement(
        municipality_codes=["2584"], title="Kirunaavtalet", valid_from=datetime.date(2020, 1, 1)
    )
    url = reverse("agreements:catalogue") + "?county=norrbottens-lan&sort=title"
    catalogue_index()
    first = page(client, url)
    assert "Kirunaavtalet" in first
    with django_assert_max_num_queries(1):
        assert page(client, url) == first
    with translation.override("sv"):
        assert f"{counted(first)} agreements" in page(client, f"/en{url}")

    committed(lambda: AgreementFactory(title="Utkast om pelikaner", draft=True))
    assert page(client, url) == first

    committed(lambda: revision_create(agreement=agreement, title="Kirunaavtalet 2025"))
    second = page(client, url)
    assert "Kirunaavtalet 2025" in second and counted(second) == counted(first)

    committed(lambda: local_agreement(municipality_codes=["2580"], title="Luleåavtalet"))
    third = page(client, url)
    assert "Luleåavtalet" in third and counted(third) == counted(first) + 1


def test_a_kept_catalogue_answers_a_bad_filter_as_the_first_time(client):
    url = reverse("agreements:catalogue") + "?county=atlantis"
    first = page(client, url, status=400)
    assert page(client, url, status=400) == first
    assert "känns inte igen" in first


def test_the_kept_catalogue_counts_the_statuses_of_the_day(client, monkeypatch):
    AgreementFactory(title="Snart slut", valid_from=datetime.date(2020, 1, 1), valid_until=TODAY)
    url = reverse("agreements:catalogue") + "?status=in_force"
    assert "Snart slut" in page(client, url)
    monkeypatch.setattr(
        "agreements.catalogue_index.timezone.localdate",
        lambda *args: TODAY + datetime.timedelta(days=1),
    )
    assert "Snart slut" not in page(client, url)
