"""What a public page costs in queries, as in production: the kept pages in memory and the
shared cache in the database (the throttle's counter and the pages' generation). The same cap
at 1 and at 20 published agreements: a page must not ask more as the registry grows. A first
read computes and keeps the page; a repeat read finds it."""

import datetime

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.urls import reverse

from actors.models import Municipality
from agreements.page_cache import PAGE_CACHE_ALIAS
from commitments.models import Theme
from tests.factories import CommitmentFactory, PartyFactory, local_agreement

pytestmark = pytest.mark.django_db

JÄMTLAND = "jamtlands-lan"


@pytest.fixture
def production_caches(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "registry_cache",
        },
        PAGE_CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages-query-tests",
        },
    }
    call_command("createcachetable", verbosity=0)
    caches[PAGE_CACHE_ALIAS].clear()
    yield
    caches[PAGE_CACHE_ALIAS].clear()


def registry_of(size: int):
    """`size` published local agreements in Jämtland, each with two parties, three
    commitments with a theme, and a municipality; the first is returned."""
    codes = list(Municipality.objects.filter(county__code="23").values_list("code", flat=True))
    theme = Theme.objects.get(slug="sfi")
    agreements = []
    for number in range(size):
        agreement = local_agreement(
            municipality_codes=[codes[number % len(codes)]],
            title=f"Jämtlandsavtal {number}",
            valid_from=datetime.date(2020, 1, 1),
        )
        for _party in range(2):
            party = PartyFactory(agreement=agreement)
            for _commitment in range(3):
                CommitmentFactory(party=party).themes.add(theme)
        agreements.append(agreement)
    return agreements[0]


# (first read, repeat read). A first county read builds the catalogue's index (about ten of its
# queries); the first page a process shows reads one thing more, once.
CAPS = {
    "county": (27, 4),
    "national": (10, 3),
    "municipality": (12, 4),
    "agreement": (14, 3),
    "api list": (5, 2),
}


@pytest.mark.usefixtures("production_caches")
@pytest.mark.parametrize("size", [1, 20])
def test_public_pages_ask_as_many_queries_at_1_and_at_20_agreements(
    client, django_assert_max_num_queries, size
):
    agreement = registry_of(size)
    urls = {
        "county": reverse("actors:county", kwargs={"slug": JÄMTLAND}),
        "national": reverse("actors:national"),
        "municipality": reverse("actors:municipality", kwargs={"slug": "ostersund"}),
        "agreement": agreement.get_absolute_url(),
        "api list": "/api/v1/agreements/?page_size=20",
    }
    for name, url in urls.items():
        first, repeat = CAPS[name]
        with django_assert_max_num_queries(first, info=f"{name}, first read"):
            assert client.get(url).status_code == 200
        with django_assert_max_num_queries(repeat, info=f"{name}, repeat read"):
            assert client.get(url).status_code == 200
