"""core/forms.py: the schema checks every form field gets, and custom fields as form fields."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalicelib.core import forms
from chalicelib.core.errors import InvalidInput
from chalicelib.core.forms import FieldError, FormField, Option
from chalicelib.core.model import ObjectAttribute
from chalicelib.core.object_attributes import check_value

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
COLOUR = FormField("Colour", "Colour", "", forms.DROPDOWN, options=(Option("1", "Red"), Option("2", "Blue")))


def attribute(data_type: str, **option: Any) -> ObjectAttribute:
    return ObjectAttribute(id=9, object="Ticket", name="extra", display="Extra", data_type=data_type,
                           data_option=option)


def test_schema_checks_presence_text_length_and_options() -> None:
    name = FormField("Name", "Name", "", forms.TEXT, required=True, max_length=3)
    secret = FormField("Secret", "Secret", "", forms.PASSWORD, max_length=3)
    errors = forms.validate([name, secret, COLOUR], {"Name": "  ", "Secret": "toolong", "Colour": 3})
    assert errors == {"Name": FieldError("Name is required.", {"Value": "  "}),
                      "Secret": FieldError("Secret must be at most 3 characters long.", {}),
                      "Colour": FieldError("Colour must be one of the offered options.", {"Value": 3})}
    assert forms.validate([name, COLOUR], {"Name": "Bob", "Colour": 2}) == {}
    assert forms.validate([COLOUR], {"Colour": True}) == {
        "Colour": FieldError("Colour must be one of the offered options.", {"Value": True})}


def test_rules_run_on_given_values_that_pass_the_schema_and_report_their_arguments() -> None:
    def at_least_four(value: Any) -> None:
        if len(value) < 4:
            raise InvalidInput("Too short.", field="Code", data=["4"])
    code = FormField("Code", "Code", "", forms.TEXT, max_length=6)
    rules = {"Code": at_least_four}
    assert forms.validate([code], {"Code": "abc"}, rules) == {"Code": FieldError("Too short.", {"Value": "abc",
                                                                                               "Arguments": ["4"]})}
    assert forms.validate([code], {"Code": "abcdefg"}, rules)["Code"].message == "Code must be at most 6 characters long."
    assert forms.validate([code], {}, rules) == {}  # optional and blank: no rule to run


def test_custom_fields_become_form_fields_the_core_checks() -> None:
    select = forms.attribute_field(attribute("select", options={"a": "A", "b": "B"}), required=True)
    assert (select.name, select.type, select.required) == ("DynamicField_extra", "Dropdown", True)
    assert [o.value for o in select.options] == ["a", "b"]
    boolean = forms.attribute_field(attribute("boolean", options={"true": "yes", "false": "no"}))
    assert boolean.type == "Checkbox" and boolean.options == ()
    number = forms.attribute_field(attribute("integer", min=1, max=9))
    assert (number.type, number.minimum, number.maximum) == ("Number", 1, 9)
    text = attribute("input", maxlength=5)
    field = forms.attribute_field(text)
    rules = {field.name: lambda value: check_value(text, value, NOW)}
    assert forms.validate([field], {field.name: 12345}, rules) == {}  # a number is text enough for the core
    assert forms.validate([field], {field.name: "toolong"}, rules)[field.name].message == \
        "Validation failed: Extra is longer than the allowed length 5"
