"""How the REST API reads request bodies and answers ``OPTIONS`` (DRF's ``DEFAULT_PARSER_CLASSES`` and
``DEFAULT_METADATA_CLASS``).

Apart from ``core.api`` because DRF imports these while it defines ``APIView``: nothing here may import DRF's
views (or drf-spectacular, which does).
"""

import operator
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.metadata import SimpleMetadata
from rest_framework.utils import json

# No operation's body nests deeper than three levels (a deal's lines: an object in a list in an object).
MAX_JSON_DEPTH = 20
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENS_TWO = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of the JSON text ``raw`` nest, found without recursion (Python's own parser
    recurses once per level: a thousand levels are a ``RecursionError``, even unclosed).

    Strings are dropped, then everything but brackets; an opening bracket counts 2 and a closing one 0, so after
    ``i + 1`` brackets the running sum minus ``i + 1`` is the depth there.
    """
    weights = _JSON_STRING.sub(b"", raw).translate(_OPENS_TWO, _NOT_A_BRACKET)
    return max(map(operator.sub, accumulate(weights), range(1, len(weights) + 1)), default=0)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's limit for
    forms, which DRF's own parser does not apply) or nested deeper than ``MAX_JSON_DEPTH`` is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise exceptions.ParseError(f"The request body is too large: at most {limit} bytes.")
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"The JSON body nests too deep: at most {MAX_JSON_DEPTH} levels.")
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.loads(raw.decode(encoding), parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:  # UnicodeDecodeError too
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


class Metadata(SimpleMetadata):
    """The answer to ``OPTIONS``: the operation's name, description and media types.

    The fields each operation takes are in the OpenAPI schema (``/api/v1/schema/``). DRF's own list of them,
    left out here, describes the view's output serializer rather than what most operations read, and for a
    ``PUT`` without an id in its address (lead rules, notification settings) it looked up an object: a 500.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
