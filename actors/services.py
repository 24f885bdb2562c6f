import json
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from actors.boundaries import HISTORY_START, county_from_key
from actors.models import County, CountyMembership, Municipality, Organisation


def read_json(path: Path):
    with path.open(encoding="utf-8") as file:
        return json.load(file)


class FixtureError(Exception):
    """A fixture file names something that does not exist or breaks a rule."""


@transaction.atomic
def counties_load(*, directory: Path) -> int:
    geometries = read_json(directory / "county-geometries.json")
    for row in read_json(directory / "counties.json"):
        county, _ = County.objects.update_or_create(
            code=row["code"],
            defaults={
                "letter_code": row["letter_code"],
                "name": row["name"],
                "slug": row["slug"],
                "geometry": geometries.get(row["code"]),
            },
        )
        county.full_clean()
    return County.objects.count()


@transaction.atomic
def municipalities_load(*, directory: Path) -> int:
    counties = {county.code: county for county in County.objects.all()}
    geometries = read_json(directory / "municipality-geometries.json")
    for row in read_json(directory / "municipalities.json"):
        if row["county"] not in counties:
            raise FixtureError(f"Kommun {row['code']} hör till län {row['county']} som saknas.")
        municipality, _ = Municipality.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "slug": row["slug"],
                "county": counties[row["county"]],
                "geometry": geometries.get(row["code"]),
            },
        )
        municipality.full_clean()
    return Municipality.objects.count()


@transaction.atomic
def boundaries_load(*, directory: Path) -> int:
    """Boundaries over time from boundaries.json (after counties_load and
    municipalities_load): former counties, counties and municipalities formed since 1995, and
    every municipality's county memberships. A municipality the file does not list has been
    in today's county since 1995-01-01 or its first day. Loading it again changes nothing.
    Returns the number of memberships."""
    data = read_json(directory / "boundaries.json")

    def county(key: str) -> County:
        found = county_from_key(key)
        if found is None:
            raise FixtureError(f"boundaries.json: länet {key} finns inte.")
        return found

    municipalities = {m.code: m for m in Municipality.objects.defer("geometry")}

    def municipality(code: str) -> Municipality:
        if code not in municipalities:
            raise FixtureError(f"boundaries.json: kommunen {code} finns inte.")
        return municipalities[code]

    for row in data["counties"]:
        former, _ = County.all_objects.update_or_create(
            slug=row["slug"],
            defaults={
                "code": row["code"],
                "letter_code": row["letter_code"],
                "name": row["name"],
                "valid_from": row["valid_from"],
                "valid_until": row["valid_until"],
                "successor": county(row["successor"]),
            },
        )
        former.full_clean()
    for row in data["counties_formed"]:
        County.objects.filter(pk=county(row["county"]).pk).update(valid_from=row["valid_from"])
    for row in data["municipalities_formed"]:
        formed = municipality(row["municipality"])
        Municipality.objects.filter(pk=formed.pk).update(valid_from=row["valid_from"])
        formed.formed_from.set([municipality(code) for code in row["formed_from"]])
    listed = {}
    for row in data["memberships"]:
        listed.setdefault(row["municipality"], []).append(
            CountyMembership(
                municipality=municipality(row["municipality"]),
                county=county(row["county"]),
                code=row["code"],
                valid_from=row["valid_from"],
                valid_until=row["valid_until"],
            )
        )
    formed_on = {row["municipality"]: row["valid_from"] for row in data["municipalities_formed"]}
    wanted = []
    for code, found in sorted(municipalities.items()):
        wanted += listed.get(code) or [
            CountyMembership(
                municipality=found,
                county_id=found.county_id,
                code=code,
                valid_from=formed_on.get(code, HISTORY_START.isoformat()),
                valid_until=None,
            )
        ]

    def facts(membership):
        return (
            membership.municipality_id,
            membership.county_id,
            membership.code,
            str(membership.valid_from),
            str(membership.valid_until) if membership.valid_until else None,
        )

    if {facts(m) for m in CountyMembership.objects.all()} != {facts(m) for m in wanted}:
        CountyMembership.objects.all().delete()
        CountyMembership.objects.bulk_create(wanted)
    return len(wanted)


ORGANISATION_FIELDS = (
    "name",
    "abbreviation",
    "kind",
    "organisation_number",
    "active_from",
    "active_until",
)


@transaction.atomic
def organisations_load(*, rows: list[dict], source: str, update: bool = False) -> int:
    """Create the organisations that are missing; with update, also overwrite existing ones.

    Two passes, so that parent and successor may name an organisation later in the list."""
    counties = {county.code: county for county in County.objects.all()}
    municipalities = {m.code: m for m in Municipality.objects.select_related("county")}
    created = 0
    touched: list[tuple[Organisation, dict]] = []
    for row in rows:
        fields = {field: row.get(field) or "" for field in ORGANISATION_FIELDS[:4]}
        fields |= {field: row.get(field) or None for field in ORGANISATION_FIELDS[4:]}
        try:
            fields["county"] = counties[row["county"]] if row.get("county") else None
            fields["municipality"] = (
                municipalities[row["municipality"]] if row.get("municipality") else None
            )
        except KeyError as missing:
            raise FixtureError(
                f"{source}: {row['slug']} nämner {missing} som inte finns."
            ) from None
        if fields["municipality"] and not fields["county"]:
            fields["county"] = fields["municipality"].county
        organisation = Organisation.objects.filter(slug=row["slug"]).first()
        if organisation is None:
            organisation = Organisation(slug=row["slug"], **fields)
            created += 1
        elif update:
            for field, value in fields.items():
                setattr(organisation, field, value)
        else:
            continue
        organisation.save()
        touched.append((organisation, row))
    slugs = {o.slug: o for o in Organisation.objects.all()}
    for organisation, row in touched:
        for field in ("parent", "successor"):
            slug = row.get(field)
            if slug and slug not in slugs:
                raise FixtureError(f"{source}: {row['slug']} har {field} {slug} som inte finns.")
            setattr(organisation, field, slugs.get(slug) if slug else None)
        organisation.full_clean()
        organisation.save()
    return created


STAFF_GROUP = "Handläggare"
STAFF_MODELS = {
    "agreements": [
        "agreement",
        "agreementlineage",
        "agreementsection",
        "party",
        "goal",
        "attachment",
    ],
    "commitments": ["commitment"],
    "followup": ["followup", "commitmentassessment", "goaloutcome", "receptionfigure"],
    "actors": ["organisation", "contactperson"],
}
STAFF_READ_ONLY = [
    "view_county",
    "view_municipality",
    "view_countymembership",
    "view_theme",
    "view_targetgroup",
    "view_perspective",
    "view_legalreference",
]


def staff_group_ensure() -> Group:
    """The group county staff and national editors belong to: the admin permissions of the
    registry's models. What they may change within those is decided by StaffScope."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    permissions = Permission.objects.select_related("content_type")
    group.permissions.set(
        [
            permission
            for permission in permissions.filter(content_type__app_label__in=STAFF_MODELS)
            if permission.content_type.model in STAFF_MODELS[permission.content_type.app_label]
        ]
        + list(permissions.filter(codename__in=STAFF_READ_ONLY))
    )
    return group
