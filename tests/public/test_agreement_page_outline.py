"""The agreement page's outline (issue 17): every section in the "På sidan" box in the page's
order, each id once, the follow-up frequency labelled, the status dated by the agreement, and
the reception figures (mottagande) with totals per year."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from actors.models import Municipality
from followup.models import ReceptionFigure
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

NORRBOTTEN = reverse("agreements:detail", kwargs={"slug": "norrbotten-rok"})


@pytest.fixture(autouse=True)
def swedish_addresses():
    """A request to /en/ leaves English active in the thread, and reverse() would then give
    /en/ addresses."""
    translation.activate("sv")
    yield
    translation.activate("sv")


def _page(client, url=NORRBOTTEN) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _toc_and_headings(html: str) -> tuple[list[str], list[str]]:
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    ids = re.findall(r'<(?:section|h2)[^>]* id="([^"]+)"', html.split("</nav>", 2)[-1])
    return targets, ids


def test_every_section_is_in_the_box_in_the_order_of_the_page(client):
    html = _page(client)
    targets, ids = _toc_and_headings(html)
    for heading in ["Förord", "Överenskommelsen", "Innehåll enligt checklistan", "Mottagande"]:
        assert heading in re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0), heading
    assert all(target in ids for target in targets), set(targets) - set(ids)
    assert [ids.index(target) for target in targets] == sorted(ids.index(t) for t in targets)
    # Förord and Överenskommelsen open the agreement, before its goals and parties.
    assert html.index(">Förord<", html.index("</nav>")) < html.index('id="parter"')


def test_ids_are_unique_and_uppfoljningar_has_one_heading(client):
    html = _page(client)
    ids = re.findall(r' id="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert len(re.findall(r"<h2[^>]*>Uppföljningar</h2>", html)) == 1


def test_followup_frequency_is_labelled_and_status_dated_by_the_agreement(client):
    html = _page(client)
    routine = html[html.index("Rutin för uppföljning") :]
    assert "<p>Annat." not in routine
    assert "Hur ofta: Annat." in routine
    assert "Har upphört</span> (gällde till och med 2009)" in html


def test_reception_figures_with_totals_per_year(client):
    html = _page(client)
    section = html[html.index('id="mottagande"') :]
    section = section[: section.index("</section>")]
    assert [int(y) for y in re.findall(r"Mottagande (\d{4})</caption>", section)] == [
        2007,
        2008,
        2009,
    ]
    totals = re.findall(
        r'Summa, (\d+) kommuner</th><td class="num">(\d+)</td><td class="num">(\d+)', section
    )
    assert totals == [("13", "595", "220"), ("14", "610", "235"), ("14", "610", "235")]
    english = _page(client, "/en" + NORRBOTTEN)
    assert "Total, 13 municipalities" in english and "Reception 2007" in english


def test_no_reception_section_without_figures(client):
    agreement = AgreementFactory()
    html = _page(client, agreement.get_absolute_url())
    assert 'id="mottagande"' not in html and "#mottagande" not in html


@pytest.mark.parametrize("years", [1, 6])
def test_reception_query_count_does_not_grow(client, django_assert_max_num_queries, years):
    agreement = AgreementFactory(valid_from=datetime.date(2020, 1, 1))
    for municipality in Municipality.objects.order_by("code")[:10]:
        for year in range(2020, 2020 + years):
            ReceptionFigure.objects.create(
                municipality=municipality, year=year, agreed_number=10, source_agreement=agreement
            )
    with django_assert_max_num_queries(12):
        html = _page(client, agreement.get_absolute_url())
    assert html.count("Summa, 10 kommuner") == years
