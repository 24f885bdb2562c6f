"""One convention for query parameters on the whole site and in the API: the API's English
names (`q`, `county`, `municipality`, `organisation`, `year`, `date`, `selection`, `organisations`,
`delimiter`, `from`, `to`, `versions`), while the paths stay Swedish. The names used before
(`lan`, `datum`, `urval`, `ar`, `avgransare`, `fran`, `till`) and their values keep working:
a request with one of them is sent on, permanently (301), to the same path with the new names
and values. This table is the only place that knows the old names."""

from django.http import HttpResponsePermanentRedirect, QueryDict

RENAMED = {
    "lan": "county",
    "datum": "date",
    "urval": "selection",
    "ar": "year",
    "avgransare": "delimiter",
    "fran": "from",
    "till": "to",
}
RENAMED_VALUES = {
    "avgransare": {"semikolon": ";", "komma": ","},
    "urval": {"galler": "in_force", "alla": "all"},
}
# The admin has query parameters of its own (its lists' filters).
UNTOUCHED_PATHS = ("/admin/", "/static/")


def renamed_query(query: QueryDict) -> QueryDict | None:
    """The query with the new names and values, or None when it uses no old name."""
    if not any(name in RENAMED for name in query):
        return None
    renamed = QueryDict(mutable=True)
    for name, values in query.lists():
        new_name = RENAMED.get(name, name)
        mapping = RENAMED_VALUES.get(name, {})
        for value in values:
            renamed.appendlist(new_name, mapping.get(value, value))
    return renamed


class RenamedParametersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and not request.path.startswith(UNTOUCHED_PATHS):
            renamed = renamed_query(request.GET)
            if renamed is not None:
                return HttpResponsePermanentRedirect(f"{request.path}?{renamed.urlencode()}")
        return self.get_response(request)
