"""What every API endpoint shares: pagination with a stable order, cache headers for public
responses, throttling of anonymous clients, and streamed exports of filtered lists."""

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from rest_framework import pagination, throttling
from rest_framework.decorators import action

from registry.exports import export_response


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "Sidnummer, från 1."
    page_size_query_description = "Antal per sida (högst 500)."


class AnonymousThrottle(throttling.AnonRateThrottle):
    """Reads the rate when asked, so that it can be set per environment (API_ANON_RATE)."""

    def get_rate(self):
        return settings.API_ANON_RATE


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
    """`export.csv`, `export.xlsx` and `export.json` of the filtered list, streamed.

    The view names `export_columns`: (heading, key) pairs read from `export_rows(queryset)`,
    which yields dicts from one server-side cursor."""

    export_name = "export"
    export_columns: list[tuple[str, str]] = []

    def export_rows(self, queryset):
        raise NotImplementedError

    @action(
        detail=False,
        methods=["get"],
        url_path=r"export\.(?P<file_format>csv|xlsx|json)",
        pagination_class=None,
    )
    def export(self, request, file_format):
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(
            rows=self.export_rows(queryset),
            columns=self.export_columns,
            file_format=file_format,
            filename=self.export_name,
            delimiter=";" if request.query_params.get("delimiter") in (";", "semikolon") else ",",
        )

