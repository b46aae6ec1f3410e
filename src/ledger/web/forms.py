"""A named view's form, filled in with what the reader gave, and the link to it from an
error page. A wrong parameter, a date that is not a date or the view's own error is
answered with an error page; its link leads to ``/views/NAME?...&_form=on``, the view's
page with the form filled in as the reader left it and, when a parameter is wrong, what
is wrong with it, without running the view."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from datasette.utils.asgi import Request, Response

from ledger.views.projections import Projection, ProjectionError, bind
from ledger.web.addresses import read_address
from ledger.web.metadata import VIEWS_DATABASE

FORM = "_form"  # the option of a view's address that asks for its form alone
_TEMPLATE = "query-views.html"


def asked_form(
    scope: MutableMapping[str, Any], projections: Mapping[str, Projection]
) -> Projection | None:
    """The named view whose form alone a request asks for (its page, with ``_form``)."""
    address = read_address(scope)
    if address is None or address.database != VIEWS_DATABASE or address.format is not None:
        return None
    projection = projections.get(address.table or "")
    return projection if FORM in dict(_pairs(scope)) else None


def form_link(
    scope: MutableMapping[str, Any], projections: Mapping[str, Projection]
) -> tuple[str, str] | None:
    """The address of the form of the named view a request asked for, filled in with the
    parameters it gave, and the view's name; None for any other address."""
    address = read_address(scope)
    if address is None or address.database != VIEWS_DATABASE:
        return None
    projection = projections.get(address.table or "")
    return None if projection is None else _link(projection, _pairs(scope))


def timeline_form(
    projections: Mapping[str, Projection], given: Sequence[tuple[str, str]]
) -> tuple[str, str] | None:
    """The form of ``audit``, which a timeline's page answers, filled in with ``given``."""
    projection = projections.get("audit")
    return None if projection is None else _link(projection, given)


def _link(projection: Projection, pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    declared = [parameter.name for parameter in projection.parameters]
    given = [(name, value) for name, value in pairs if name in declared and value]
    query = urlencode([*given, (FORM, "on")])
    return f"/{VIEWS_DATABASE}/{quote(projection.name)}?{query}", projection.name


async def form_page(
    datasette: Any, scope: MutableMapping[str, Any], receive: Any, projection: Projection
) -> Response:
    """The view's page with its form filled in as given, and what is wrong with the
    parameters (as ``ledger view`` checks them), without running the view."""
    given = dict(_pairs(scope))
    values = {p.name: given.get(p.name, "") for p in projection.parameters}
    try:
        bind(projection, {name: value for name, value in values.items() if value})
        problem = None
    except ProjectionError as error:
        problem = str(error)
    metadata = await datasette.get_canned_query(VIEWS_DATABASE, projection.name, None)
    context = {
        "database": VIEWS_DATABASE, "canned_query": projection.name, "metadata": metadata,
        "named_parameter_values": values, "error": problem, "ledger_form": True,
        "display_rows": [], "hide_sql": True, "renderers": {},
    }  # fmt: skip
    # Answered before Datasette's middleware would give it a CSRF token: its form is a GET.
    request = Request({**scope, "csrftoken": lambda: ""}, receive)
    page = await datasette.render_template(_TEMPLATE, context, request=request)
    return Response.html(page, status=200)


def _pairs(scope: MutableMapping[str, Any]) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True)
