"""The API's reading of request bodies and its error answers, in Swedish.

- JSON is read with a limit on nesting: an agreement document is a few levels deep, and a body
  nested thousands of levels deep made Python's parser (and every later walk over the data)
  run out of stack, a 500. Malformed JSON is a 400 that says where.
- A 404 says "Hittades inte." rather than Django's English "No Organisation matches the given
  query.".
"""

import codecs
import json

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json as drf_json

# Levels of objects and lists in a request body. An agreement document needs about five
# (document → commitments → commitment → responsible contact → its fields).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """Whether the parsed data nests objects or lists deeper than the limit (without
    recursion: the data may be as deep as the parser allowed)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        too_deep = _("JSON-datat är för djupt nästlat: högst %(limit)s nivåer.") % {
            "limit": MAX_JSON_DEPTH
        }
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            parse_constant = drf_json.strict_constant if self.strict else None
            data = json.load(decoded_stream, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError(too_deep) from None
        except json.JSONDecodeError as error:
            raise exceptions.ParseError(
                _("Innehållet är inte giltig JSON (rad %(line)s, kolumn %(column)s).")
                % {"line": error.lineno, "column": error.colno}
            ) from None
        except ValueError:  # not in the declared encoding, or NaN in strict mode
            raise exceptions.ParseError(_("Innehållet är inte giltig JSON i UTF-8.")) from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(too_deep)
        return data


def exception_handler(exc, context):
    """The registry's answers to errors in a view (registry/throttling.py's handler, which
    words the throttling message), with a Swedish 404."""
    from registry.throttling import exception_handler as throttling_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Hittades inte."))
    return throttling_exception_handler(exc, context)
