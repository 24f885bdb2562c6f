"""Maps drawn on the server as SVG from SCB's simplified boundaries (GeoJSON in SWEREF 99 TM,
metres east and north). North is up, so y is flipped."""

from dataclasses import dataclass

from django.db.models import TextField
from django.db.models.functions import MD5, Cast


@dataclass(frozen=True)
class MapArea:
    key: str
    label: str
    css_class: str
    path: str


@dataclass(frozen=True)
class SvgMap:
    width: int
    height: int
    areas: list[MapArea]


def _rings(geometry: dict):
    if not geometry:
        return
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


@dataclass(frozen=True)
class MapOutline:
    """The drawn boundaries: an SVG path per area key, in a width × height box."""

    width: int
    height: int
    paths: dict[str, str]


def map_outline(shapes, *, target_units: int) -> MapOutline:
    """shapes: (key, geometry) pairs. Coordinates are rounded to the resolution that makes the
    map's taller side about `target_units` units, which keeps the paths short."""
    shapes = list(shapes)
    points = [point for _key, geometry in shapes for ring in _rings(geometry) for point in ring]
    if not points:
        return MapOutline(0, 0, {})
    min_x = min(x for x, _ in points)
    max_x = max(x for x, _ in points)
    min_y = min(y for _, y in points)
    max_y = max(y for _, y in points)
    resolution = max(max(max_x - min_x, max_y - min_y) / target_units, 1.0)
    paths = {}
    for key, geometry in shapes:
        parts = []
        for ring in _rings(geometry):
            coordinates = []
            for x, y in ring:
                point = (round((x - min_x) / resolution), round((max_y - y) / resolution))
                if not coordinates or coordinates[-1] != point:
                    coordinates.append(point)
            if len(coordinates) >= 3:
                parts.append("M" + "L".join(f"{px} {py}" for px, py in coordinates) + "Z")
        if parts:
            paths[key] = "".join(parts)
    width = round((max_x - min_x) / resolution)
    height = round((max_y - min_y) / resolution)
    return MapOutline(width, height, paths)


_OUTLINES: dict[tuple, MapOutline] = {}
_OUTLINES_KEPT = 64


def outline_of(areas, *, target_units: int = 600) -> MapOutline:
    """The outline of these areas (a QuerySet of counties or municipalities, keyed by slug),
    drawn once per process for each set of boundaries. Reading and drawing the boundaries is
    most of a county page's time; here the database only hashes them (one small query) and
    they are read again only when one has changed."""
    digests = tuple(
        areas.annotate(digest=MD5(Cast("geometry", TextField()))).values_list("slug", "digest")
    )
    key = (target_units, digests)
    outline = _OUTLINES.get(key)
    if outline is None:
        geometries = dict(areas.values_list("slug", "geometry"))
        outline = map_outline(
            [(slug, geometries[slug]) for slug, _digest in digests], target_units=target_units
        )
        if len(_OUTLINES) >= _OUTLINES_KEPT:
            _OUTLINES.pop(next(iter(_OUTLINES)))
        _OUTLINES[key] = outline
    return outline


def svg_map(outline: MapOutline, regions) -> SvgMap:
    """regions: (key, label, css_class) of the areas to draw, in order."""
    return SvgMap(
        outline.width,
        outline.height,
        [
            MapArea(key, label, css_class, outline.paths[key])
            for key, label, css_class in regions
            if key in outline.paths
        ],
    )
