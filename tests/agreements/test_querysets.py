import datetime

import pytest

from agreements.models import Agreement, LegalStatus, Level, Publication
from tests.factories import AgreementFactory, local_agreement

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 23)


def test_published_hides_drafts():
    published = AgreementFactory(title="Publicerad överenskommelse")
    draft = AgreementFactory(title="Hemligt utkast", draft=True)
    assert Agreement.objects.published().filter(pk=published.pk).exists()
    assert not Agreement.objects.published().filter(pk=draft.pk).exists()
    assert draft.publication == Publication.DRAFT


def test_in_force_follows_the_dates():
    running = AgreementFactory(valid_from=datetime.date(2025, 1, 1))
    ended_yesterday = AgreementFactory(
        valid_from=datetime.date(2024, 1, 1), valid_until=DAY - datetime.timedelta(days=1)
    )
    ends_today = AgreementFactory(valid_from=datetime.date(2024, 1, 1), valid_until=DAY)
    starts_tomorrow = AgreementFactory(valid_from=DAY + datetime.timedelta(days=1))
    in_force = set(Agreement.objects.in_force(on=DAY).values_list("pk", flat=True))
    assert running.pk in in_force
    assert ends_today.pk in in_force
    assert ended_yesterday.pk not in in_force
    assert starts_tomorrow.pk not in in_force
    assert ended_yesterday.legal_status_on(DAY) == LegalStatus.EXPIRED
    assert starts_tomorrow.legal_status_on(DAY) == LegalStatus.UPCOMING


def test_an_agreement_without_any_date_is_not_counted_as_in_force():
    undated = AgreementFactory()
    assert not Agreement.objects.in_force(on=DAY).filter(pk=undated.pk).exists()
    assert undated.legal_status_on(DAY) == LegalStatus.UNKNOWN
    signed = AgreementFactory(signed_on=datetime.date(2013, 5, 1))
    assert Agreement.objects.in_force(on=DAY).filter(pk=signed.pk).exists()


def test_a_newer_published_version_supersedes_the_older():
    first = AgreementFactory(valid_from=datetime.date(2009, 3, 1))
    second = AgreementFactory(
        lineage=first.lineage, version_number=2, valid_from=datetime.date(2010, 1, 1)
    )
    assert list(Agreement.objects.in_force(on=DAY).filter(lineage=first.lineage)) == [second]
    assert list(
        Agreement.objects.in_force(on=datetime.date(2009, 6, 1)).filter(lineage=first.lineage)
    ) == [first]
    assert first.legal_status_on(DAY) == LegalStatus.SUPERSEDED


def test_a_draft_revision_supersedes_nothing():
    first = AgreementFactory(valid_from=datetime.date(2009, 3, 1))
    AgreementFactory(
        lineage=first.lineage, version_number=2, draft=True, valid_from=datetime.date(2010, 1, 1)
    )
    assert first.legal_status_on(DAY) == LegalStatus.IN_FORCE


class TestEditableBy:
    """County staff change their own county's agreements, national editors all, others none."""

    @pytest.fixture
    def agreements(self, norrbotten, stockholm):
        return {
            "central": AgreementFactory(level=Level.CENTRAL, county=None),
            "norrbotten": AgreementFactory(county=norrbotten),
            "norrbotten_draft": AgreementFactory(county=norrbotten, draft=True),
            "stockholm_local": local_agreement(municipality_codes=["0181"]),
            "stockholm_draft": AgreementFactory(county=stockholm, draft=True),
        }

    def editable(self, user, agreements):
        pks = set(Agreement.objects.editable_by(user).values_list("pk", flat=True))
        return {name for name, agreement in agreements.items() if agreement.pk in pks}

    def visible(self, user, agreements):
        pks = set(Agreement.objects.visible_to(user).values_list("pk", flat=True))
        return {name for name, agreement in agreements.items() if agreement.pk in pks}

    def test_norrbotten_staff(self, norrbotten_staff, agreements):
        assert self.editable(norrbotten_staff, agreements) == {"norrbotten", "norrbotten_draft"}
        assert "stockholm_draft" not in self.visible(norrbotten_staff, agreements)
        assert "stockholm_local" in self.visible(norrbotten_staff, agreements)

    def test_stockholm_staff(self, stockholm_staff, agreements):
        assert self.editable(stockholm_staff, agreements) == {"stockholm_local", "stockholm_draft"}
        assert "norrbotten_draft" not in self.visible(stockholm_staff, agreements)

    def test_national_editor(self, national_editor, agreements):
        assert self.editable(national_editor, agreements) == set(agreements)

    def test_staff_without_scope(self, unscoped_staff, agreements):
        assert self.editable(unscoped_staff, agreements) == set()
        assert self.visible(unscoped_staff, agreements) == {
            "central",
            "norrbotten",
            "stockholm_local",
        }

    def test_anonymous(self, agreements):
        from django.contrib.auth.models import AnonymousUser

        assert self.editable(AnonymousUser(), agreements) == set()
