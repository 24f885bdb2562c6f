"""Maps drawn on the server as SVG from SCB's simplified boundaries (GeoJSON in SWEREF 99 TM,
metres east and north). North is up, so y is flipped."""

from dataclasses import dataclass


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


def svg_map(regions, *, resolution: float) -> SvgMap:
    """regions: (key, label, css_class, geometry) tuples. `resolution` is metres per SVG
    unit: coordinates are rounded to it, which keeps the paths short."""
    regions = list(regions)
    points = [point for *_, geometry in regions for ring in _rings(geometry) for point in ring]
    if not points:
        return SvgMap(0, 0, [])
    min_x = min(x for x, _ in points)
    max_x = max(x for x, _ in points)
    min_y = min(y for _, y in points)
    max_y = max(y for _, y in points)
    areas = []
    for key, label, css_class, geometry in regions:
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
            areas.append(MapArea(key, label, css_class, "".join(parts)))
    width = round((max_x - min_x) / resolution)
    height = round((max_y - min_y) / resolution)
    return SvgMap(width, height, areas)


def resolution_for(geometries, *, target_units: int = 600) -> float:
    """Metres per unit so that the map's taller side is about target_units."""
    points = [p for geometry in geometries for ring in _rings(geometry) for p in ring]
    if not points:
        return 1.0
    span = max(
        max(x for x, _ in points) - min(x for x, _ in points),
        max(y for _, y in points) - min(y for _, y in points),
    )
    return max(span / target_units, 1.0)
