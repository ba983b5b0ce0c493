"""Zammad's /calendars and /slas: thin views over core.catalog_admin.CatalogAdmin's "calendar" and "sla"
kinds (the same versioned, all-or-nothing catalogue writes as states, priorities and groups)."""
from __future__ import annotations

from typing import Any

from ...core.catalog_admin import KINDS, OBJECT, CatalogInput
from . import schema
from .catalog_views import catalog_input
from .routes import Call, Forms, catalog_page, json_response, path_id, reference_forms, render_one, route


def admin_input(body: Any, kind: str) -> CatalogInput:
    """The scalar fields typed as for every catalogue object; OBJECT fields (business hours, holidays,
    an SLA's condition) go to the core as sent, whose escalation validators check them."""
    body = schema._object(body)
    objects = [name for name, field_kind in KINDS[kind].fields.items() if field_kind == OBJECT]
    data = catalog_input({key: value for key, value in body.items() if key not in objects}, kind)
    data.values.update({name: body[name] for name in objects if name in body})
    return data


def calendar_forms(call: Call) -> Forms:
    return reference_forms(call, schema.calendar, "Calendar")


def sla_forms(call: Call) -> Forms:
    """`expand=true` names the SLA's calendar (the request's catalogue, read only when expanding)."""
    def calendar_name(sla: Any) -> dict[str, Any]:
        calendar = call.container.catalog().calendar_by_id(sla.calendar_id)
        return {"calendar": calendar.name if calendar else None}
    return reference_forms(call, schema.sla, "Sla", calendar_name)


FORMS = {"calendar": calendar_forms, "sla": sla_forms}


def _list(call: Call, kind: str) -> Any:
    return catalog_page(call, call.container.catalog_admin.items(call.principal, kind), FORMS[kind](call))


def _show(call: Call, kind: str, raw_id: str) -> Any:
    obj = call.container.catalog_admin.item(call.principal, kind, path_id(raw_id, KINDS[kind].entity))
    return render_one(call, obj, FORMS[kind](call))


def _create(call: Call, kind: str) -> Any:
    obj = call.container.catalog_admin.create(call.principal, kind, admin_input(call.body(), kind))
    return render_one(call, obj, FORMS[kind](call), 201)


def _update(call: Call, kind: str, raw_id: str) -> Any:
    object_id = path_id(raw_id, KINDS[kind].entity)
    obj = call.container.catalog_admin.update(call.principal, kind, object_id, admin_input(call.body(), kind))
    return render_one(call, obj, FORMS[kind](call))


def _delete(call: Call, kind: str, raw_id: str) -> Any:
    call.container.catalog_admin.delete(call.principal, kind, path_id(raw_id, KINDS[kind].entity))
    return {}


# --- calendars ---------------------------------------------------------------------------------------

@route("/calendars")
def list_calendars(call: Call) -> Any:
    return _list(call, "calendar")


@route("/calendars", methods=("POST",))
def create_calendar(call: Call) -> Any:
    return _create(call, "calendar")


@route("/calendars/timezones")
def calendar_timezones(call: Call) -> Any:
    """Zammad's time zone picker: every zone name -> its UTC offset in hours now."""
    return json_response({"timezones": call.container.catalog_admin.timezones(call.principal)})


@route("/calendars/{calendar_id}")
def show_calendar(call: Call, calendar_id: str) -> Any:
    return _show(call, "calendar", calendar_id)


@route("/calendars/{calendar_id}", methods=("PUT",))
def update_calendar(call: Call, calendar_id: str) -> Any:
    return _update(call, "calendar", calendar_id)


@route("/calendars/{calendar_id}", methods=("DELETE",))
def delete_calendar(call: Call, calendar_id: str) -> Any:
    return _delete(call, "calendar", calendar_id)


# --- SLAs --------------------------------------------------------------------------------------------

@route("/slas")
def list_slas(call: Call) -> Any:
    return _list(call, "sla")


@route("/slas", methods=("POST",))
def create_sla(call: Call) -> Any:
    return _create(call, "sla")


@route("/slas/{sla_id}")
def show_sla(call: Call, sla_id: str) -> Any:
    return _show(call, "sla", sla_id)


@route("/slas/{sla_id}", methods=("PUT",))
def update_sla(call: Call, sla_id: str) -> Any:
    return _update(call, "sla", sla_id)


@route("/slas/{sla_id}", methods=("DELETE",))
def delete_sla(call: Call, sla_id: str) -> Any:
    return _delete(call, "sla", sla_id)
