"""Hostile input at the door, in one place for the whole app (O5): every JSON body is
parsed here and every whole number in a URL is bounded here.

* JSON: ``NaN``, ``Infinity``, numbers too large for a float, integers of more digits
  than Python reads and nesting deeper than the parser's recursion limit are all "not
  valid JSON" (a ``ValueError``), so ``request.get_json(silent=True)`` answers ``None``
  and the view says 422 — never a ``RecursionError`` that would become a 500.
* URLs: ``<int:…>`` only matches ids the database can hold (PostgreSQL ``integer``), so
  ``/api/attempts/9223372036854775808`` is a plain 404, not an overflow in the driver.
* NUL: PostgreSQL's text cannot hold U+0000, so a NUL in a JSON string or key is "not
  valid JSON" too, and a NUL in a query string or a form field is refused before any view
  runs (422 on the API, a 400 page elsewhere) — never a driver error that becomes a 500.
* Size: a JSON API body is small; more than ``API_MAX_BODY`` bytes is a 413 before any
  of it is read (pages keep ``MAX_CONTENT_LENGTH`` for their file uploads).
"""

from __future__ import annotations

import json
import math

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id an ``integer`` column holds
MAX_BIGINT = 2**63 - 1  # the largest ``bigint`` (seq, prediction, durations)
API_MAX_BODY = 256 * 1024


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


NUL = "\x00"


def _holds_nul(value) -> bool:
    """A NUL in any string or key of a parsed document (iterative: no depth limit)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads_strict(data):
    """``json.loads`` that turns every hostile document into a ``ValueError``."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if _holds_nul(value):
        raise ValueError("NUL character in JSON")
    return value


def holds_nul(multidict) -> bool:
    """A NUL in a key or a value of a query string or a form."""
    return any(NUL in key or NUL in value for key, value in multidict.items(multi=True))


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        if kwargs:
            return super().loads(s, **kwargs)
        return loads_strict(s)


class IdConverter(IntegerConverter):
    """``<int:…>`` for ids: 0 to ``MAX_ID``; anything larger does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BoundedRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self.path.startswith("/api/"):
            return API_MAX_BODY if limit is None else min(limit, API_MAX_BODY)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their rules read the converter."""
    app.json = StrictJSONProvider(app)
    app.request_class = BoundedRequest
    app.url_map.converters["int"] = IdConverter
