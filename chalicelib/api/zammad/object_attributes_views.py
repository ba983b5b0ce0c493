"""Zammad's /object_manager_attributes: thin views over core.object_attributes.ObjectAttributes.

Parse the body here, one core call, render as Zammad does: the list (ObjectManager::Attribute.list_full)
names the object and says whether an attribute is deletable; show, create and update answer the
record's columns with `object_lookup_id`. Every route needs `admin.object`.
"""
from __future__ import annotations

from typing import Any

from ...core.errors import InvalidInput
from ...core.model import ObjectAttribute
from ...core.object_attributes import OBJECT_LOOKUP_IDS, ObjectAttributeInput
from . import schema
from .routes import Call, json_response, list_window, path_id, route

ENTITY = "ObjectManager::Attribute"

# --- parsing -------------------------------------------------------------------------------------


def _hash(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidInput(f"Invalid value for param '{name}': {value!r}", field=name)
    return value


def attribute_input(body: Any) -> ObjectAttributeInput:
    body = schema._object(body)
    position = body.get("position")
    return ObjectAttributeInput(
        object=schema._text(body, "object"), name=schema._text(body, "name"),
        display=schema._text(body, "display"), data_type=schema._text(body, "data_type"),
        data_option=_hash(body, "data_option"),
        active=None if body.get("active") is None else schema._bool(body["active"], "active"),
        position=None if position in (None, "") else schema._int(position, "position"),
        screens=_hash(body, "screens"),
    )


# --- rendering -----------------------------------------------------------------------------------


def _columns(a: ObjectAttribute) -> dict[str, Any]:
    return {
        "id": a.id, "name": a.name, "display": a.display, "data_type": a.data_type,
        "data_option": a.data_option, "data_option_new": a.data_option_new, "editable": a.editable,
        "active": a.active, "screens": a.screens, "to_create": a.to_create, "to_migrate": a.to_migrate,
        "to_delete": a.to_delete, "to_config": a.to_config, "position": a.position,
        "created_by_id": a.created_by_id, "updated_by_id": a.updated_by_id,
        "created_at": a.created_at, "updated_at": a.updated_at,
    }


def attribute_out(a: ObjectAttribute) -> dict[str, Any]:
    """One record, as show/create/update answer it (attributes_with_association_ids)."""
    return {"id": a.id, "object_lookup_id": OBJECT_LOOKUP_IDS.get(a.object), **_columns(a)}


def attribute_listed(a: ObjectAttribute) -> dict[str, Any]:
    """One entry of the list: the object's name instead of its lookup id, and `deletable`."""
    return {**_columns(a), "object": a.object, "deletable": a.editable}


# --- views ---------------------------------------------------------------------------------------

@route("/object_manager_attributes")
def list_object_attributes(call: Call) -> Any:
    """Zammad answers the whole list; here `page`/`per_page` (default and max 100) bound it as every list."""
    offset, per_page = list_window(call)
    attributes = call.container.object_attributes.list(call.principal)
    return [attribute_listed(a) for a in attributes[offset:offset + per_page]]


@route("/object_manager_attributes/{attribute_id}")
def show_object_attribute(call: Call, attribute_id: str) -> Any:
    return attribute_out(call.container.object_attributes.get(call.principal, path_id(attribute_id, ENTITY)))


@route("/object_manager_attributes", methods=("POST",))
def create_object_attribute(call: Call) -> Any:
    attribute = call.container.object_attributes.create(call.principal, attribute_input(call.body()))
    return json_response(attribute_out(attribute), 201)


@route("/object_manager_attributes/{attribute_id}", methods=("PUT",))
def update_object_attribute(call: Call, attribute_id: str) -> Any:
    attribute = call.container.object_attributes.update(
        call.principal, path_id(attribute_id, ENTITY), attribute_input(call.body()))
    return attribute_out(attribute)


@route("/object_manager_attributes/{attribute_id}", methods=("DELETE",))
def delete_object_attribute(call: Call, attribute_id: str) -> Any:
    call.container.object_attributes.delete(call.principal, path_id(attribute_id, ENTITY))
    return {}


@route("/object_manager_attributes_execute_migrations", methods=("POST",))
def execute_object_attribute_migrations(call: Call) -> Any:
    call.container.object_attributes.execute_migrations(call.principal)
    return {}


@route("/object_manager_attributes_discard_changes", methods=("POST",))
def discard_object_attribute_changes(call: Call) -> Any:
    call.container.object_attributes.discard_changes(call.principal)
    return {}
