"""HTTP behaviour of the public API: caching headers, conditional requests, throttling, the
OpenAPI schema and its documentation served from bundled assets."""

import pytest
from django.test import override_settings

from agreements.models import Agreement

pytestmark = pytest.mark.django_db


def test_public_responses_carry_etag_last_modified_and_cache_control(api):
    response = api.get("/api/v1/agreements/")
    assert response.status_code == 200
    assert response["ETag"]
    assert response["Last-Modified"]
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]


def test_matching_if_none_match_gives_304(api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    url = f"/api/v1/agreements/{agreement.pk}/"
    etag = api.get(url)["ETag"]
    not_modified = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not not_modified.content
    agreement.title = "Ny titel"
    agreement.save()
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_if_modified_since_gives_304_for_a_list(api):
    last_modified = api.get("/api/v1/agreements/")["Last-Modified"]
    response = api.get("/api/v1/agreements/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 304


def test_staff_responses_are_private(norrbotten_api):
    response = norrbotten_api.get("/api/v1/agreements/")
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


@override_settings(API_ANON_RATE="3/min")
def test_anonymous_clients_are_throttled_with_retry_after(api):
    statuses = [api.get("/api/v1/counties/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/counties/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("För många förfrågningar. Försök igen om")


@override_settings(API_ANON_RATE="3/min")
def test_staff_with_token_are_not_throttled(norrbotten_api):
    assert {norrbotten_api.get("/api/v1/counties/").status_code for _ in range(5)} == {200}


def test_schema_describes_every_endpoint_and_filter(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/v1/agreements/",
        "/api/v1/agreements/{id}/",
        "/api/v1/commitments/",
        "/api/v1/parties/",
        "/api/v1/followups/",
        "/api/v1/reception-figures/",
        "/api/v1/organisations/{slug}/",
        "/api/v1/counties/{code}/",
        "/api/v1/municipalities/",
        "/api/v1/commitments/export.{file_format}",
    ]:
        assert any(p.startswith(path.split("{")[0]) for p in paths), path
    commitment_params = {p["name"] for p in paths["/api/v1/commitments/"]["get"]["parameters"]}
    assert {"theme", "organisation", "organisation_kind", "county", "phase", "q"} <= (
        commitment_params
    )
    assert "post" in paths["/api/v1/agreements/"]


def test_documentation_ui_is_served_from_bundled_assets(api):
    page = api.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    asset = next(part.split('"')[0] for part in page.split('src="')[1:] if "swagger" in part)
    assert api.get(asset).status_code == 200
