"""Links between agreements (parent, annex_to, based_on) and the admin's "view on site"
address never disclose a draft to someone who may not see it: a draft of another county is
refused with the message of a slug that does not exist, and a published agreement that links
to one prints nothing of it, in the API, the PDF and its data or the public page."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from agreements.models import Agreement
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.api.test_write import new_local_agreement
from tests.factories import AgreementFactory, PartyFactory

pdf_cache = pdf_support.pdf_cache

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Hemligt utkast om Norrbottens nya flyktingmottagning"


@pytest.fixture
def norrbotten_draft(norrbotten):
    return AgreementFactory(county=norrbotten, draft=True, title=SECRET_TITLE)


@pytest.fixture
def published_linking_to_the_draft(stockholm, norrbotten_draft):
    """As the write API used to let it be made: published, based on another county's draft."""
    return AgreementFactory(
        county=stockholm, title="Stockholms överenskommelse", based_on=norrbotten_draft
    )


def _refusal(client, slug, field="based_on"):
    document = new_local_agreement(
        title="Lokal överenskommelse i Södertälje",
        county="01",
        municipalities=["0181"],
        parties=[{"organisation": "arbetsformedlingen"}],
        commitments=[],
        goals=[],
        **{field: slug},
    )
    response = client.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 400, response.json()
    return response.json()[field]


@pytest.mark.parametrize("field", ["based_on", "parent"])
def test_another_countys_draft_is_refused_like_a_slug_that_does_not_exist(
    stockholm_api, norrbotten_draft, field
):
    slug = norrbotten_draft.lineage.slug

    refused = _refusal(stockholm_api, slug, field)
    unknown = _refusal(stockholm_api, "finns-inte-alls", field)

    assert refused == [f"Överenskommelsen {slug} finns inte."]
    assert unknown == ["Överenskommelsen finns-inte-alls finns inte."]
    assert SECRET_TITLE not in json.dumps(refused)
    assert not Agreement.objects.filter(title="Lokal överenskommelse i Södertälje").exists()


def test_a_published_agreement_and_ones_own_draft_may_be_linked(norrbotten_api, norrbotten_draft):
    document = new_local_agreement(based_on=norrbotten_draft.lineage.slug)
    created = norrbotten_api.post("/api/v1/agreements/", document, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["based_on"]["title"] == SECRET_TITLE

    rok = new_local_agreement(title="Bygger på RÖK", based_on="norrbotten-rok")
    assert norrbotten_api.post("/api/v1/agreements/", rok, format="json").status_code == 201


def test_a_published_agreement_shows_nothing_of_an_unpublished_link_in_the_api(
    api, stockholm_api, norrbotten_api, published_linking_to_the_draft
):
    url = f"/api/v1/agreements/{published_linking_to_the_draft.pk}/"
    for client in (api, stockholm_api):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json()["based_on"] is None
        assert SECRET_TITLE not in response.content.decode()
    # Staff who may see the draft see the link.
    assert norrbotten_api.get(url).json()["based_on"]["title"] == SECRET_TITLE


def test_a_published_agreement_shows_nothing_of_an_unpublished_link_on_its_page_and_pdf(
    client, pdf_cache, published_linking_to_the_draft, norrbotten_draft
):
    slug = published_linking_to_the_draft.lineage.slug
    page = client.get(reverse("agreements:detail", kwargs={"slug": slug}))
    response = client.get(reverse("agreements:pdf", kwargs={"slug": slug}))

    assert page.status_code == response.status_code == 200
    assert SECRET_TITLE not in page.content.decode()
    printed = read_pdf(response.content)
    assert not printed.contains("Bygger på")
    assert not printed.contains(SECRET_TITLE)
    (name,) = printed.reader.attachments
    data = json.loads(printed.reader.attachments[name][0])
    assert data["based_on"] is None
    assert norrbotten_draft.lineage.slug not in json.dumps(data)


def _view_on_site(agreement) -> str:
    content_type = ContentType.objects.get_for_model(Agreement)
    return reverse("admin:view_on_site", args=[content_type.pk, agreement.pk])


def test_the_admins_view_on_site_address_is_404_for_a_draft_one_may_not_see(
    client, norrbotten_draft, stockholm_staff, norrbotten_staff
):
    published = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(stockholm_staff)
    hidden = client.get(_view_on_site(norrbotten_draft))
    missing = client.get(_view_on_site(Agreement(pk=999_999)))
    shown = client.get(_view_on_site(published))

    assert hidden.status_code == missing.status_code == 404
    assert norrbotten_draft.lineage.slug not in hidden.content.decode()
    assert shown.status_code == 302
    assert shown["Location"].endswith(published.get_absolute_url())

    client.force_login(norrbotten_staff)
    own = client.get(_view_on_site(norrbotten_draft))
    assert own.status_code == 302
    assert own["Location"].endswith(norrbotten_draft.get_absolute_url())


def test_the_admin_form_refuses_a_link_to_another_countys_draft(
    client, stockholm_staff, norrbotten_draft
):
    from tests.agreements.helpers import change_url, form_data

    own = AgreementFactory(county=stockholm_staff.staff_scopes.get().county, draft=True)
    client.force_login(stockholm_staff)
    data = form_data(client.get(change_url(own)))
    data["based_on"] = str(norrbotten_draft.pk)

    response = client.post(change_url(own), data)

    assert response.status_code == 200
    assert "based_on" in response.context["adminform"].form.errors
    own.refresh_from_db()
    assert own.based_on_id is None


def test_a_link_made_by_a_national_editor_is_kept_by_a_patch_of_the_county(
    norrbotten_api, stockholm
):
    hidden = AgreementFactory(county=stockholm, draft=True, title="Stockholms utkast")
    agreement = AgreementFactory(draft=True, based_on=hidden, purpose="Samverkan.")
    url = f"/api/v1/agreements/{agreement.pk}/"

    read = norrbotten_api.get(url)
    patched = norrbotten_api.patch(url, {"alias": "BD"}, format="json", HTTP_IF_MATCH="*")

    assert read.json()["based_on"] is None
    assert "Stockholms utkast" not in read.content.decode()
    assert patched.status_code == 200, patched.json()
    agreement.refresh_from_db()
    assert (agreement.alias, agreement.based_on_id) == ("BD", hidden.pk)


def test_the_admin_page_keeps_a_link_made_by_a_national_editor(client, norrbotten_staff, stockholm):
    from tests.agreements.helpers import change_url, form_data

    hidden = AgreementFactory(county=stockholm, draft=True, title="Stockholms utkast")
    agreement = AgreementFactory(draft=True, based_on=hidden, purpose="Samverkan.")
    client.force_login(norrbotten_staff)
    data = form_data(client.get(change_url(agreement)))
    data["alias"] = "BD"

    response = client.post(change_url(agreement), data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.alias, agreement.based_on_id) == ("BD", hidden.pk)


def test_the_admin_page_saves_an_agreement_whose_umbrella_has_other_agreements_under_it(
    client, norrbotten_staff
):
    """The Norrbotten agreement's head page: its central umbrella has other regional
    agreements under it, and saving the page kept it (it answered 500)."""
    from agreements.models import Level
    from tests.agreements.helpers import change_url, form_data

    umbrella = AgreementFactory(level=Level.CENTRAL, county=None, title="Central överenskommelse")
    AgreementFactory(parent=umbrella, title="Ett annat läns överenskommelse")
    agreement = AgreementFactory(draft=True, parent=umbrella, purpose="Samverkan.")
    client.force_login(norrbotten_staff)
    data = form_data(client.get(change_url(agreement)))
    data["alias"] = "BD"

    response = client.post(change_url(agreement), data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.alias, agreement.parent_id) == ("BD", umbrella.pk)


def test_a_publication_problem_does_not_name_a_draft_the_user_may_not_see(
    norrbotten_api, stockholm
):
    hidden = AgreementFactory(county=stockholm, draft=True, title="Stockholms utkast")
    agreement = AgreementFactory(draft=True, based_on=hidden, purpose="Samverkan.")
    PartyFactory(agreement=agreement)

    response = norrbotten_api.patch(
        f"/api/v1/agreements/{agreement.pk}/",
        {"publication": "published"},
        format="json",
        HTTP_IF_MATCH="*",
    )

    assert response.status_code == 400
    assert response.json()["publication"] == [
        "Överenskommelsen som den bygger på är inte publicerad. Publicera den först eller töm "
        "fältet."
    ]
