"""The API's ETag: one version number for the admin and the API. A writer is refused (409)
only when someone really changed the agreement; the ETag still validates the cached
representation, so a 304 never hides a new legal status or a completed follow-up."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import Agreement
from followup import services as followup_services
from tests.followup.test_services import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def rok():
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


def url(agreement) -> str:
    return f"/api/v1/agreements/{agreement.pk}/"


def test_completing_a_follow_up_does_not_refuse_a_writer(rok, norrbotten_api, norrbotten_staff):
    read = norrbotten_api.get(url(rok))
    followup = followup_services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    complete(followup, norrbotten_staff)

    again = norrbotten_api.get(url(rok), HTTP_IF_NONE_MATCH=read["ETag"])
    assert again.status_code == 200  # the follow-up is new in the representation
    assert again["ETag"] != read["ETag"]
    rok.refresh_from_db()
    lock = rok.lock_version

    response = norrbotten_api.patch(
        url(rok), {"alias": "RÖK BD"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert response.status_code == 200, response.json()
    rok.refresh_from_db()
    assert rok.alias == "RÖK BD"
    assert rok.lock_version == lock + 1


def test_midnight_changes_the_status_but_does_not_refuse_a_writer(rok, norrbotten_api):
    today = timezone.localdate()
    Agreement.objects.filter(pk=rok.pk).update(valid_until=today)
    read = norrbotten_api.get(url(rok))
    assert read.json()["status"] == "in_force"
    assert norrbotten_api.get(url(rok), HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304

    tomorrow = today + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
        cached = norrbotten_api.get(url(rok), HTTP_IF_NONE_MATCH=read["ETag"])
        assert cached.status_code == 200  # no 304 for a copy that still says "in force"
        assert cached.json()["status"] == "expired"
        response = norrbotten_api.patch(
            url(rok), {"alias": "RÖK BD"}, format="json", HTTP_IF_MATCH=read["ETag"]
        )

    assert response.status_code == 200, response.json()


def test_a_real_change_by_someone_else_is_409(rok, norrbotten_api, national_editor):
    read = norrbotten_api.get(url(rok))
    agreement_services.agreement_unpublish(agreement=rok, user=national_editor, reason="Fel datum.")

    stale = norrbotten_api.patch(
        url(rok), {"alias": "Skrivs över?"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert stale.status_code == 409
    missing = norrbotten_api.patch(url(rok), {"alias": "Utan If-Match"}, format="json")
    assert missing.status_code == 428
    rok.refresh_from_db()
    assert rok.alias != "Skrivs över?"


def test_a_no_op_api_write_does_not_move_the_version(rok, norrbotten_api):
    read = norrbotten_api.get(url(rok))
    lock = rok.lock_version

    response = norrbotten_api.patch(
        url(rok), {"alias": rok.alias}, format="json", HTTP_IF_MATCH=read["ETag"]
    )

    assert response.status_code == 200
    rok.refresh_from_db()
    assert rok.lock_version == lock
    assert response["ETag"].startswith(f'"{lock}-')
