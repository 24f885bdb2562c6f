"""An agreement's card in the lists (includes/agreement_card.html): what a reader of the
catalogue, a county or a municipality sees of each agreement."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agreements.models import Agreement
from agreements.selectors import agreement_cards
from registry.partial_dates import DatePrecision
from tests.factories import local_agreement
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db


def card(agreement: Agreement) -> str:
    shown = agreement_cards(Agreement.objects.filter(pk=agreement.pk)).get()
    return render_to_string("includes/agreement_card.html", {"agreement": shown})


def test_a_card_names_the_agreement_its_places_signing_and_status():
    agreement = local_agreement(
        municipality_codes=["2580", "2581"],
        title="Lån & <samverkan>",
        signed_on=datetime.date(2009, 3, 15),
        signed_on_precision=DatePrecision.MONTH,
        valid_from=datetime.date(2009, 4, 1),
        is_good_example=True,
        good_example_note="Mentorer <i> varje kommun",
    )
    html = card(agreement)
    assert (
        f'<a href="{agreement.get_absolute_url()}" lang="sv">Lån &amp; &lt;samverkan&gt;</a>'
        in html
    )
    assert "Lokal · Norrbottens län · Luleå, Piteå" in html
    assert "undertecknad mars 2009" in html
    assert '<span class="status status-in_force">Gäller</span>' in html
    assert '<strong class="tag-good">Gott exempel</strong>' in html
    assert "Mentorer &lt;i&gt; varje kommun" in html
    assert "version" not in html and 'class="snippet"' not in html
    with translation.override("en"):
        english = card(agreement)
    assert "Local · Norrbottens län" in english and "signed March 2009" in english
    assert "Good example" in english and f'href="/en{agreement.get_absolute_url()}"' in english


def test_a_superseded_version_links_to_itself_and_a_newer_one_says_which_it_is():
    first = local_agreement(municipality_codes=["2580"], valid_from=datetime.date(2020, 1, 1))
    second = revision_create(agreement=first, valid_from=timezone.localdate())
    old = card(first)
    assert f'href="{first.get_version_url()}"' in old and "status-superseded" in old
    new = card(second)
    assert f'href="{second.get_absolute_url()}"' in new and " · version 2" in new
    labelled = revision_create(agreement=second, version_label="Reviderad 2026")
    assert " · Reviderad 2026" in card(labelled) and "version 3" not in card(labelled)
