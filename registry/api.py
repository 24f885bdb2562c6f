"""What the API viewsets share: cache headers for public responses and streamed exports of
filtered lists. Pagination and throttling live in their own modules, because DRF's settings
import those while DRF itself is still loading."""

from django.conf import settings
from django.urls import re_path
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError

from registry.exports import DELIMITERS, EXPORT_FORMATS, Column, export_response


class PublicCacheMixin:
    """Public responses may be cached for a minute and carry Last-Modified when the view
    knows it; the ETag and 304 answers come from ConditionalGetMiddleware."""

    def last_modified(self):
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
                modified = self.last_modified()
                if modified is not None:
                    response["Last-Modified"] = http_date(modified.timestamp())
        return response


class ExportMixin:
    """`export.csv`, `export.xlsx` and `export.json` of the filtered list, streamed (routed in
    registry/api_urls.py, without the router's trailing slash).

    The view names `export_columns` (registry.exports.Column) and may annotate the queryset
    in `export_queryset`; the rows come from one server-side cursor."""

    export_name = "export"
    export_columns: list[Column] = []

    def export_queryset(self, queryset):
        return queryset

    def filter_queryset(self, queryset):
        """Filters choose among lists; one row is found by its id whatever they say."""
        if self.action in ("list", "export"):
            return super().filter_queryset(queryset)
        return queryset

    def export_rows(self, queryset):
        return (
            self.export_queryset(queryset.order_by("pk").prefetch_related(None))
            .values(*[column.source for column in self.export_columns])
            .iterator(chunk_size=2000)
        )

    @extend_schema(
        summary="Exportera den filtrerade listan",
        filters=True,
        description="Hela listan med samma filter som listan, strömmad (också `versions`: "
        "utan det den senaste versionen av varje överenskommelse). CSV är UTF-8 med BOM; "
        "`delimiter=;` ger semikolon som svensk Excel väntar sig. CSV och XLSX har rubriker "
        "och värden i ord (nivå, typ, status, roll, Ja/Nej, namn på län, kommuner och teman) "
        "med koderna i egna kolumner, som text (kommunkod 0114); på engelska under "
        "`/en/api/v1/…`. JSON har de lagrade värdena, och orden under nycklar som slutar på "
        "`_label`.",
        parameters=[
            OpenApiParameter(
                "file_format",
                str,
                OpenApiParameter.PATH,
                enum=EXPORT_FORMATS,
                description="csv, xlsx eller json",
            ),
            OpenApiParameter(
                "delimiter",
                str,
                enum=list(DELIMITERS),
                description="Fältavgränsare i CSV: , (standard) eller ; för svensk Excel. "
                "Det gamla namnet avgransare=semikolon leds om hit.",
                examples=[OpenApiExample("Svensk Excel", value=";")],
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "application/json"): OpenApiResponse(
                response={"type": "array", "items": {"type": "object"}},
                description="En lista med en post per rad; nycklarna är kolumnernas namn.",
            ),
        },
    )
    def export(self, request, file_format):
        if file_format not in EXPORT_FORMATS:
            raise NotFound("Exportformaten finns inte. Välj csv, xlsx eller json.")
        delimiter = request.query_params.get("delimiter") or ","
        if delimiter not in DELIMITERS:
            raise ValidationError({"delimiter": ["Ange , eller ; som avgränsare."]})
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(
            rows=self.export_rows(queryset),
            columns=self.export_columns,
            file_format=file_format,
            filename=self.export_name,
            delimiter=delimiter,
        )


def export_path(prefix: str, viewset):
    return re_path(
        rf"^{prefix}/export\.(?P<file_format>csv|xlsx|json)$",
        viewset.as_view({"get": "export"}, pagination_class=None),
        name=f"{prefix}-export",
    )
