"""Importing the agreements of the 2000s as they were: several municipalities, an unknown
signing date, agencies that no longer exist, a new association, links between agreements of
the same file; the preview shows what will be saved; big files are saved by a job."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from actors.models import Organisation
from agreements import importing, services
from agreements.importing import COLUMNS, agreements_import, import_preview
from agreements.models import Agreement, ImportJob, ImportStatus

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:agreements_agreement_import")
HEADER = [
    "adressnamn",
    "titel",
    "nivå",
    "typ",
    "län",
    "kommuner",
    "undertecknad",
    "gäller från",
    "gäller till",
    "paraplyöverenskommelse",
    "hängavtal till",
    "teman",
    "målgrupper",
    "part",
    "roll",
    "undertecknad av",
    "ny organisation, typ",
    "ny organisation, län",
    "åtagandets rubrik",
    "åtagande",
]
FORENING = "Föreningen Nya Grannar i Södertälje"


def row(**cells) -> list[str]:
    names = {
        "slug": "adressnamn",
        "title": "titel",
        "level": "nivå",
        "kind": "typ",
        "county": "län",
        "municipalities": "kommuner",
        "signed": "undertecknad",
        "start": "gäller från",
        "end": "gäller till",
        "parent": "paraplyöverenskommelse",
        "annex_to": "hängavtal till",
        "themes": "teman",
        "groups": "målgrupper",
        "party": "part",
        "role": "roll",
        "signatory": "undertecknad av",
        "new_kind": "ny organisation, typ",
        "org_county": "ny organisation, län",
        "heading": "åtagandets rubrik",
        "text": "åtagande",
    }
    by_header = {names[key]: value for key, value in cells.items()}
    return [by_header.get(header, "") for header in HEADER]


# The local agreement comes before the regional one it lies under, and the annex before the
# agreement it belongs to: the links are found within the file all the same.
ROWS = [
    row(
        slug="lok-sodertalje-nykvarn-2003",
        title="Lokal överenskommelse om introduktion i Södertälje och Nykvarn",
        level="lokal",
        county="Stockholms län",
        municipalities="Södertälje, Nykvarn",
        signed="2003-05-12",
        start="2003-06-01",
        end="2006-12-31",
        parent="reg-stockholm-2002",
        themes="Arbete, sfi",
        groups="nyanlanda, Unga",
        party="Södertälje kommun",
        signatory="Anders Ek",
        heading="Sfi",
        text="Erbjuda sfi inom tre månader.",
    ),
    row(slug="lok-sodertalje-nykvarn-2003", party="Nykvarns kommun"),
    row(slug="lok-sodertalje-nykvarn-2003", party="Integrationsverket"),
    row(slug="lok-sodertalje-nykvarn-2003", party="migrationsverket"),
    row(
        slug="lok-sodertalje-nykvarn-2003",
        party="Försäkringskassan",
        role="Deltar utan att underteckna",
    ),
    row(
        slug="lok-sodertalje-nykvarn-2003",
        party=FORENING,
        role="Deltar utan att underteckna",
        new_kind="Civilsamhälle",
        org_county="Stockholms län",
        heading="Mötesplats",
        text="Ordna språkcafé varje vecka.",
    ),
    row(
        slug="hang-botkyrka-sfi-2004",
        title="Hängavtal om sfi i Botkyrka",
        level="lokal",
        kind="Hängavtal",
        county="01",
        municipalities="Botkyrka",
        start="2004-01-01",
        annex_to="lok-botkyrka-2003",
        party="Botkyrka kommun",
    ),
    row(
        slug="lok-botkyrka-2003",
        title="Lokal överenskommelse om introduktion i Botkyrka",
        level="lokal",
        county="Stockholms län",
        municipalities="Botkyrka",
        start="2003-01-01",
        parent="reg-stockholm-2002",
        party="Botkyrka kommun",
    ),
    row(slug="lok-botkyrka-2003", party=FORENING),
    row(slug="lok-botkyrka-2003", party="Arbetsmarknadsstyrelsen"),
    row(
        slug="reg-stockholm-2002",
        title="Regional överenskommelse om introduktion i Stockholms län",
        level="regional",
        county="Stockholms län",
        signed="2002-03-01",
        start="2002-04-01",
        party="Länsstyrelsen i Stockholms län",
        signatory="Mats Hellström",
    ),
    row(slug="reg-stockholm-2002", party="Integrationsverket"),
]


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def preview(client, user, rows=ROWS, name="2000-talet.csv"):
    client.force_login(user)
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, csv_bytes(rows), "text/csv")})


def test_the_columns_come_from_the_agreement_document():
    keys = {column.key for column in COLUMNS}
    assert {
        "agreement.themes",
        "agreement.target_groups",
        "agreement.parent",
        "agreement.annex_to",
        "agreement.based_on",
        "organisation.kind",
        "organisation.county",
    } <= keys
    assert not next(c for c in COLUMNS if c.key == "party.signatory_name").required


@pytest.mark.parametrize(
    "written", ["Migrationsverket", "migrationsverket", "MIGRATIONSVERKET", "Skolverket"]
)
def test_an_organisation_whose_short_name_is_its_name_is_found_once(national_editor, written):
    rows = [
        row(
            slug="cok-2006",
            title="Överenskommelse",
            level="central",
            start="2006-01-01",
            party=written,
        )
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert plan.errors == []
    party = next(iter(plan.agreements[0].parties.values()))
    assert party.organisation.name.casefold() == written.casefold()


def test_a_one_word_organisation_created_in_the_admin_is_found(national_editor):
    Organisation.objects.create(name="Tullverket", slug="tullverket", kind="national_agency")
    rows = [
        row(slug="cok-2006", title="Ö", level="central", start="2006-01-01", party="Tullverket"),
        row(slug="cok-2006", party="tullverket", heading="Gräns", text="Samverka."),
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert plan.errors == []
    assert len(plan.agreements[0].parties) == 1


def test_the_preview_shows_dates_municipalities_parties_new_organisations_and_warnings(
    client, national_editor
):
    response = preview(client, national_editor)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Inga fel. 4 överenskommelser sparas som utkast, och 1 ny organisation skapas" in page
    assert "Södertälje, Nykvarn" in page
    assert "<dd>12 maj 2003</dd>" in page  # the dates as the pages show them
    assert "<dd>1 juni 2003 – 31 december 2006</dd>" in page
    assert "Södertälje kommun – undertecknare, Anders Ek" in page
    assert "Försäkringskassan – deltar utan att underteckna" in page
    assert f"{FORENING} – Civilsamhälle, Stockholms län (rad 7)" in page
    assert f"{FORENING} – deltar utan att underteckna <strong>(ny)</strong>" in page
    assert "Försäkringskassan fanns inte 2003-05-12: den bildades 2005-01-01." in page
    assert "Arbetsmarknadsstyrelsen" not in [w.message for w in response.context["plan"].warnings]
    assert "Paraplyöverenskommelse</dt><dd>reg-stockholm-2002" in page
    # Nothing is saved by a preview, not even the new association.
    assert not Organisation.objects.filter(name=FORENING).exists()
    assert not Agreement.objects.filter(lineage__slug="reg-stockholm-2002").exists()


def test_an_organisation_that_had_ceased_is_a_warning_naming_its_successor(national_editor):
    rows = [
        row(
            slug="cok-2009",
            title="Ö",
            level="central",
            signed="2009-02-01",
            party="Arbetsmarknadsstyrelsen",
        ),
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert plan.errors == []
    assert [warning.message for warning in plan.warnings] == [
        "Arbetsmarknadsstyrelsen fanns inte 2009-02-01: den upphörde 2007-12-31. "
        "Efterträdare: Arbetsförmedlingen."
    ]


def test_saving_creates_the_association_the_links_and_the_parties_without_signatory(
    client, national_editor
):
    response = preview(client, national_editor)
    saved = client.post(IMPORT, {"confirm": "1", "token": response.context["plan"].token})

    assert saved.status_code == 302
    forening = Organisation.objects.get(name=FORENING)
    assert (forening.kind, forening.county.name) == ("civil_society", "Stockholms län")
    local = Agreement.objects.get(lineage__slug="lok-sodertalje-nykvarn-2003")
    regional = Agreement.objects.get(lineage__slug="reg-stockholm-2002")
    annex = Agreement.objects.get(lineage__slug="hang-botkyrka-sfi-2004")
    assert local.parent == regional
    assert annex.annex_to.lineage.slug == "lok-botkyrka-2003"
    assert sorted(m.name for m in local.municipalities.all()) == ["Nykvarn", "Södertälje"]
    assert sorted(t.slug for t in local.themes.all()) == ["arbete", "sfi"]
    assert sorted(g.slug for g in local.target_groups.all()) == ["nyanlanda", "unga"]
    assert local.signed_on is not None and annex.signed_on is None
    assert local.parties.get(organisation=forening).role == "participant"
    assert local.parties.get(organisation__slug="integrationsverket").signatory_name == ""
    assert (
        Agreement.objects.get(lineage__slug="lok-botkyrka-2003")
        .parties.filter(organisation=forening)
        .exists()
    )


def test_county_staff_get_an_error_per_row_outside_their_county(client, norrbotten_staff):
    response = preview(client, norrbotten_staff)

    assert response.status_code == 200
    messages = [str(error) for error in response.context["plan"].errors]
    for first_row in (2, 8, 9, 12):
        assert (
            f"Rad {first_row}, kolumn ”län”: Du får bara registrera överenskommelser i ditt "
            "eget län, inte i Stockholms län." in messages
        ), messages
    assert any(
        m.startswith("Rad 7, kolumn ”ny organisation, län”: Du får bara ändra organisationer")
        for m in messages
    )
    assert "Ingenting har sparats" in response.content.decode()
    assert "confirm" not in response.content.decode()


def test_county_staff_import_in_their_own_county(client, stockholm_staff):
    response = preview(client, stockholm_staff)
    assert response.context["plan"].errors == []
    saved = client.post(IMPORT, {"confirm": "1", "token": response.context["plan"].token})
    assert saved.status_code == 302
    assert Agreement.objects.filter(lineage__slug__in=["reg-stockholm-2002"]).count() == 1


def test_a_1996_agreement_in_malmohus_lan_is_imported_and_skane_then_refused(
    client, national_editor
):
    malmo_1996 = row(
        slug="lok-malmo-1996",
        title="Lokal överenskommelse om flyktingmottagandet i Malmö",
        level="lokal",
        county="Malmöhus län",
        municipalities="Malmö",
        signed="1996-05-02",
        party="Malmö stad",
        heading="Bostad",
        text="Ordna bostäder åt nyanlända.",
    )
    skane_1996 = row(
        slug="reg-skane-1996",
        title="Regional överenskommelse i Skåne",
        level="regional",
        county="Skåne län",
        signed="1996-03-01",
        party="Malmö stad",
    )
    plan = import_preview(
        content=csv_bytes([malmo_1996, skane_1996]), filename="f.csv", user=national_editor
    )
    assert [str(error) for error in plan.errors] == [
        "Rad 3, kolumn ”län”: Skåne län bildades 1997-01-01; på överenskommelsens datum "
        "1996-03-01 fanns länet inte. Då fanns Kristianstads län och Malmöhus län; välj ett "
        "av dem."
    ]

    response = preview(client, national_editor, rows=[malmo_1996])
    assert response.context["plan"].errors == []
    assert "Malmöhus län" in response.content.decode()
    saved = client.post(IMPORT, {"confirm": "1", "token": response.context["plan"].token})
    assert saved.status_code == 302
    agreement = Agreement.objects.get(lineage__slug="lok-malmo-1996")
    assert agreement.county.name == "Malmöhus län"
    assert [m.name for m in agreement.municipalities.all()] == ["Malmö"]
    assert not Agreement.objects.filter(lineage__slug="reg-skane-1996").exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("f.csv", csv_bytes(ROWS), "text/csv")}
    )
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not Agreement.objects.filter(lineage__slug="reg-stockholm-2002").exists()


def test_one_wrong_row_saves_nothing_and_names_the_agreements_that_link_to_it(national_editor):
    rows = [*ROWS]
    rows[10] = row(
        slug="reg-stockholm-2002",
        title="Regional överenskommelse",
        level="regional",
        county="Stockholms län",
        start="2002-04-01",
        end="2001-01-01",
        party="Länsstyrelsen i Stockholms län",
    )
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)

    messages = [str(error) for error in plan.errors]
    assert any(m.startswith("Rad 12, kolumn ”gäller till”") for m in messages), messages
    assert (
        "Rad 2, kolumn ”paraplyöverenskommelse”: Överenskommelsen reg-stockholm-2002 i samma "
        "fil har fel. Rätta dem först." in messages
    )
    assert not plan.is_valid
    assert not Organisation.objects.filter(name=FORENING).exists()
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_the_preview_names_every_agreement_that_cannot_be_saved(national_editor):
    """The trial save goes on after a failing agreement: each one's error by row and column."""
    rows = [*ROWS]
    rows[6] = row(  # Botkyrka's annex, on its own: ends before it begins
        slug="hang-botkyrka-sfi-2004",
        title="Hängavtal om sfi i Botkyrka",
        level="lokal",
        kind="Hängavtal",
        county="01",
        municipalities="Botkyrka",
        start="2004-01-01",
        end="2003-01-01",
        party="Botkyrka kommun",
    )
    rows[10] = row(  # the regional agreement: likewise
        slug="reg-stockholm-2002",
        title="Regional överenskommelse",
        level="regional",
        county="Stockholms län",
        start="2002-04-01",
        end="2001-01-01",
        party="Länsstyrelsen i Stockholms län",
    )
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)

    failing = sorted(
        {
            error.row
            for error in plan.errors
            if error.column in ("gäller till", "paraplyöverenskommelse")
        }
    )
    assert failing == [2, 8, 9, 12], [str(error) for error in plan.errors]
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_a_circle_of_links_is_an_error(national_editor):
    rows = [
        row(
            slug="a", title="A", level="central", start="2005-01-01", parent="b", party="Skolverket"
        ),
        row(
            slug="b", title="B", level="central", start="2005-01-01", parent="a", party="Skolverket"
        ),
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert "Överenskommelserna länkar till varandra i en cirkel: a → b → a." in [
        error.message for error in plan.errors
    ]


def test_a_new_organisation_needs_a_kind_and_an_existing_one_no_kind(national_editor):
    rows = [
        row(
            slug="a",
            title="A",
            level="central",
            start="2005-01-01",
            party="Ny fackförening",
            org_county="Stockholms län",
        ),
        row(slug="a", party="Skolverket", new_kind="Statlig myndighet"),
        row(slug="a", party="Okänd förening"),
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    messages = [str(error) for error in plan.errors]
    assert "Rad 2, kolumn ”ny organisation, typ”: Ange den nya organisationens typ." in messages
    assert any(
        m.startswith("Rad 3, kolumn ”ny organisation, typ”: ”Skolverket” finns redan")
        for m in messages
    )
    assert any(
        m.startswith("Rad 4, kolumn ”part”") and "fyll i ”ny organisation, typ”" in m
        for m in messages
    )


def big_file(count: int) -> list[list[str]]:
    return [
        row(
            slug=f"lok-stockholm-{number}",
            title=f"Lokal överenskommelse {number}",
            level="lokal",
            county="Stockholms län",
            municipalities="Stockholm",
            start="2004-01-01",
            party="Stockholms stad",
        )
        for number in range(count)
    ]


def test_a_big_file_is_saved_by_a_job_with_a_status_page(client, national_editor):
    rows = big_file(importing.JOB_THRESHOLD + 1)
    response = preview(client, national_editor, rows)
    assert "den sparas i bakgrunden" in response.content.decode()

    saved = client.post(IMPORT, {"confirm": "1", "token": response.context["plan"].token})

    job = ImportJob.objects.get(user=national_editor)
    assert saved.status_code == 302
    assert saved["Location"] == reverse("admin:agreements_agreement_import_job", args=[job.pk])
    assert (job.status, job.saved, job.total) == (ImportStatus.DONE, 21, 21)
    assert Agreement.objects.filter(lineage__slug__startswith="lok-stockholm-").count() == 21
    page = client.get(saved["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alla 21 överenskommelser i 2000-talet.csv är sparade som utkast." in text
    assert 'http-equiv="refresh"' not in text
    assert bytes(job.content) == b""


def test_a_job_in_progress_refreshes_itself_and_only_its_owner_sees_it(
    client, national_editor, stockholm_staff
):
    job = ImportJob.objects.create(
        user=national_editor, filename="stor.csv", content=b"x", total=500, saved=120
    )
    client.force_login(national_editor)
    page = client.get(reverse("admin:agreements_agreement_import_job", args=[job.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "120 av 500 överenskommelser i stor.csv är skrivna." in text
    assert '<meta http-equiv="refresh" content="3">' in text
    client.force_login(stockholm_staff)
    other = client.get(reverse("admin:agreements_agreement_import_job", args=[job.pk]))
    assert other.status_code == 404


def test_a_job_whose_file_fails_saves_nothing_and_says_why_in_swedish(client, national_editor):
    rows = big_file(importing.JOB_THRESHOLD + 1)
    content = csv_bytes(rows)
    # The registry changed after the preview: one of the addresses is taken now.
    job = ImportJob.objects.create(
        user=national_editor, filename="stor.csv", content=content, total=len(rows)
    )
    Organisation.objects.filter(slug="stockholms-stad").update(name="Stockholms kommun")

    assert importing.import_job_run(job_id=job.pk) == ImportStatus.FAILED

    job.refresh_from_db()
    assert job.errors[0].startswith("Rad 2, kolumn ”part”: Organisationen ”Stockholms stad”")
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-stockholm-").exists()
    client.force_login(national_editor)
    page = client.get(reverse("admin:agreements_agreement_import_job", args=[job.pk]))
    assert "sparades inte. Ingenting har sparats." in page.content.decode()


def test_a_failure_in_the_middle_of_the_save_rolls_everything_back(national_editor):
    rows = big_file(3)
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    saved = []

    def fail_at_second(count):
        saved.append(count)
        if count == 2:
            raise RuntimeError("avbrott")

    with pytest.raises(RuntimeError):
        agreements_import(plan=plan, user=national_editor, progress=fail_at_second)
    assert saved == [1, 2]
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-stockholm-").exists()


PASSWORD = "hemligt-lösenord-1"


@pytest.fixture(scope="module")
def web_editor(django_db_setup, django_db_blocker):
    """A national editor committed for the server thread (module scope)."""
    from actors.models import StaffScope
    from actors.services import staff_group_ensure
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        user = UserFactory(username="webb-import", is_staff=True)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(staff_group_ensure())
        StaffScope.objects.create(user=user, is_national=True)
    yield user
    with django_db_blocker.unblock():
        user.delete()


@pytest.mark.slow
def test_the_preview_reads_at_360_px_without_sideways_scrolling(
    site, web_editor, browser, tmp_path
):
    page = browser.new_context(locale="sv-SE", viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", web_editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(site + IMPORT)
    upload = tmp_path / "2000-talet.csv"
    upload.write_bytes(csv_bytes(ROWS))
    page.set_input_files("input[type=file]", str(upload))
    page.click("input[value=Förhandsgranska]")

    assert page.get_by_text("Försäkringskassan fanns inte 2003-05-12").first.is_visible()
    assert page.get_by_text("Södertälje, Nykvarn").is_visible()
    page.screenshot(path="/tmp/import-preview-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_saving_many_agreements_costs_a_few_queries_each(
    national_editor, django_assert_max_num_queries
):
    """The file's agreements are written together (agreements_documents_create, in batches),
    not one save each."""
    plan = import_preview(content=csv_bytes(big_file(40)), filename="f.csv", user=national_editor)

    with django_assert_max_num_queries(40 * 12):
        created = agreements_import(plan=plan, user=national_editor)

    assert len(created) == 40
    assert Agreement.objects.filter(lineage__slug__startswith="lok-stockholm-").count() == 40


def test_the_preview_says_which_drafts_cannot_be_published_yet_and_why(client, national_editor):
    """A notice, not an error: the file is saved all the same, as drafts."""
    response = preview(client, national_editor)

    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.errors == [] and plan.is_valid
    problems = {planned.slug: planned.publication_problems for planned in plan.agreements}
    no_content = (
        "Överenskommelsen har inget innehåll. Skriv till exempel syftet, lägg till åtaganden "
        "eller bifoga det undertecknade originalet."
    )
    assert problems["reg-stockholm-2002"] == [no_content]
    assert no_content not in problems["lok-sodertalje-nykvarn-2003"]  # it has commitments
    assert problems["lok-sodertalje-nykvarn-2003"] == [
        "Paraplyöverenskommelsen (Regional överenskommelse om introduktion i Stockholms län "
        "(version 1)) "
        "är inte publicerad. Publicera den först eller töm fältet."
    ]
    page = response.content.decode()
    assert "Inga fel. 4 överenskommelser sparas som utkast" in page
    assert "4 av dem kan inte publiceras ännu; under varje överenskommelse står vad" in page
    assert page.count("Sparas som utkast som ännu inte kan publiceras:") == 4
    assert no_content in page
    assert 'name="confirm"' in page  # saving is still offered

    saved = client.post(IMPORT, {"confirm": "1", "token": plan.token})
    assert saved.status_code == 302
    assert Agreement.objects.filter(lineage__slug="reg-stockholm-2002").exists()


def test_a_complete_agreement_has_no_notice(national_editor):
    rows = [
        row(
            slug="cok-2006",
            title="Överenskommelse",
            level="central",
            start="2006-01-01",
            party="Migrationsverket",
            heading="Mottagande",
            text="Anvisa nyanlända.",
        )
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert plan.errors == [] and plan.agreements[0].publication_problems == []
    assert plan.not_publishable == 0


def boundary_file() -> list[list[str]]:
    """A file too big to be tried in the preview, with two agreements whose municipalities do
    not fit the boundaries on their own dates: Heby lay in Uppsala län from 2007, Knivsta was
    formed in 2003."""
    return [
        *big_file(importing.JOB_THRESHOLD),
        row(
            slug="lok-kungsor-heby-2009",
            title="Lokal överenskommelse i Kungsör och Heby",
            level="lokal",
            county="Västmanlands län",
            municipalities="Kungsör, Heby",
            signed="mars 2009",
            party="Arbetsmarknadsstyrelsen",
        ),
        row(
            slug="lok-uppsala-knivsta-2002",
            title="Lokal överenskommelse i Uppsala och Knivsta",
            level="lokal",
            county="Uppsala län",
            municipalities="Uppsala, Knivsta",
            signed="2002-11",
            party="Integrationsverket",
        ),
    ]


HEBY = (
    "Rad 22, kolumn ”kommuner”: Heby låg i Västmanlands län till 2006-12-31; på "
    "överenskommelsens datum 2009-03-01 låg den i Uppsala län."
)
KNIVSTA = (
    "Rad 23, kolumn ”kommuner”: Knivsta bildades 2003-01-01 ur Uppsala; på "
    "överenskommelsens datum 2002-11-01 fanns kommunen inte."
)


def test_a_big_files_preview_names_every_agreement_outside_the_boundaries_of_its_day(
    client, national_editor
):
    response = preview(client, national_editor, boundary_file())

    plan = response.context["plan"]
    assert not plan.tried
    assert [str(error) for error in plan.errors] == [HEBY, KNIVSTA]
    page = response.content.decode()
    assert "Inga fel" not in page
    assert "Heby låg i Västmanlands län till 2006-12-31" in page
    assert "Knivsta bildades 2003-01-01" in page
    assert 'name="confirm"' not in page
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-").exists()


def test_a_job_names_every_agreement_it_cannot_save_and_saves_nothing(national_editor):
    """Errors only the save finds (here: ends before it begins), in two batches of the job:
    both are reported at once, not the first alone."""
    rows = big_file(importing.JOB_THRESHOLD + 5)
    for number in (3, 20):
        rows[number][HEADER.index("gäller till")] = "2003-01-01"
    job = ImportJob.objects.create(
        user=national_editor, filename="stor.csv", content=csv_bytes(rows), total=len(rows)
    )

    assert importing.import_job_run(job_id=job.pk) == ImportStatus.FAILED

    job.refresh_from_db()
    assert [error.split(":")[0] for error in job.errors] == [
        "Rad 5, kolumn ”gäller till”",
        "Rad 22, kolumn ”gäller till”",
    ], job.errors
    assert job.saved == 0
    assert not Agreement.objects.filter(lineage__slug__startswith="lok-stockholm-").exists()


def test_an_organisation_is_found_by_its_abbreviation(national_editor):
    rows = [
        row(
            slug="lok-ams-2004",
            title="Lokal överenskommelse",
            level="lokal",
            county="Stockholms län",
            municipalities="Stockholm",
            signed="2004",
            party="AMS",
        )
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=national_editor)
    assert plan.errors == []
    party = next(iter(plan.agreements[0].parties.values()))
    assert party.organisation.name == "Arbetsmarknadsstyrelsen"


# Publishing what was imported ------------------------------------------------------------

CHANGELIST = reverse("admin:agreements_agreement_changelist")


def imported_drafts(user, count: int, *, without_content=()) -> list[Agreement]:
    """`count` drafts imported from a file, complete but for those numbered in
    `without_content`, which have no commitment."""
    rows = [
        row(
            slug=f"lok-stockholm-{number}",
            title=f"Lokal överenskommelse {number}",
            level="lokal",
            county="Stockholms län",
            municipalities="Stockholm",
            start="2004-01-01",
            party="Stockholms stad",
            **({} if number in without_content else {"heading": "Sfi", "text": "Erbjuda sfi."}),
        )
        for number in range(count)
    ]
    plan = import_preview(content=csv_bytes(rows), filename="f.csv", user=user, trial=False)
    return agreements_import(plan=plan, user=user)


def test_publishing_60_imported_drafts_is_a_job_that_names_the_one_refused(client, national_editor):
    drafts = imported_drafts(national_editor, 60, without_content={7})
    client.force_login(national_editor)

    response = client.post(
        CHANGELIST,
        {"action": "publish_selected", "_selected_action": [draft.pk for draft in drafts]},
    )

    job = ImportJob.objects.get(user=national_editor, action="publish")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agreements_agreement_publish_job", args=[job.pk])
    refusal = (
        "Lokal överenskommelse 7 (version 1) publicerades inte: Överenskommelsen har inget "
        "innehåll. Skriv till exempel syftet, lägg till åtaganden eller bifoga det "
        "undertecknade originalet."
    )
    assert (job.status, job.saved, job.total, job.errors) == (
        ImportStatus.DONE,
        59,
        60,
        [refusal],
    )
    published = Agreement.objects.published().filter(lineage__slug__startswith="lok-stockholm-")
    assert published.count() == 59
    assert not published.filter(lineage__slug="lok-stockholm-7").exists()
    latest = Version.objects.get_for_object(drafts[0]).order_by("-revision_id").first()
    assert latest.revision.comment == "Publicerad."
    assert latest.revision.user == national_editor

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "59 av 60 markerade överenskommelser är publicerade" in text
    assert "1 publicerades inte." in text and refusal in text
    assert 'http-equiv="refresh"' not in text
    public = client.get(reverse("agreements:detail", args=["lok-stockholm-0"]))
    assert public.status_code == 200


def test_publishing_a_selection_in_the_request_costs_the_same_queries_per_agreement(
    client, national_editor, django_assert_max_num_queries
):
    """Up to the job's threshold the request publishes them, with what the checks read
    read ahead for all of them and the history written together."""
    drafts = imported_drafts(national_editor, services.PUBLISH_JOB_THRESHOLD)
    client.force_login(national_editor)

    with django_assert_max_num_queries(services.PUBLISH_JOB_THRESHOLD * 22 + 40):
        response = client.post(
            CHANGELIST,
            {"action": "publish_selected", "_selected_action": [draft.pk for draft in drafts]},
        )

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert (
        Agreement.objects.published().filter(lineage__slug__startswith="lok-stockholm-").count()
        == services.PUBLISH_JOB_THRESHOLD
    )
    assert not ImportJob.objects.filter(action="publish").exists()


def test_a_publishing_job_in_progress_refreshes_itself_and_only_its_owner_sees_it(
    client, national_editor, stockholm_staff
):
    job = ImportJob.objects.create(
        user=national_editor, action="publish", total=500, saved=120, status="running"
    )
    client.force_login(national_editor)
    url = reverse("admin:agreements_agreement_publish_job", args=[job.pk])
    text = client.get(url).content.decode()
    assert "120 av 500 markerade överenskommelser är genomgångna." in text
    assert '<meta http-equiv="refresh" content="3">' in text
    assert (
        client.get(reverse("admin:agreements_agreement_import_job", args=[job.pk])).status_code
        == 404
    )
    client.force_login(stockholm_staff)
    assert client.get(url).status_code == 404


def test_a_publishing_job_that_breaks_publishes_none_and_says_so(
    client, national_editor, monkeypatch
):
    drafts = imported_drafts(national_editor, services.PUBLISH_JOB_THRESHOLD + 1)

    def broken(**kwargs):
        raise RuntimeError("avbrott")

    monkeypatch.setattr(services, "history_record_current", broken)  # after the writes
    job = services.publish_job_start(agreements=drafts, user=national_editor)

    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportStatus.FAILED, [services.PUBLISH_JOB_FAILED])
    assert not Agreement.objects.published().filter(lineage__slug__startswith="lok-").exists()
    client.force_login(national_editor)
    page = client.get(reverse("admin:agreements_agreement_publish_job", args=[job.pk]))
    assert (
        f"Ingen av de {len(drafts)} markerade överenskommelserna har publicerats."
        in page.content.decode()
    )
