"""The site's named routes, for the tests that must visit one address of each."""

from django.urls import URLResolver, get_resolver


def route_names(patterns=None, prefix=""):
    """Every named route with its namespaces ("agreements:detail"), the admin's included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from route_names(pattern.url_patterns, prefix + namespace)
        elif pattern.name:
            yield prefix + pattern.name
