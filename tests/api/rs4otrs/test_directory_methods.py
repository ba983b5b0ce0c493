"""RS4OTRS customers/* and users/* (RS4OTRS-METHODS.md §3.4-3.7, §3.39-3.40)."""
from __future__ import annotations

import pytest

from tests.api.rs4otrs.conftest import SESSION_INVALID, Rpc, failed, ok

NEW_CUSTOMER = {"Firstname": "Rita", "Lastname": "Lee", "CustomerID": "example.com", "Login": "rita",
                "Email": "rita@example.com", "Phone": "+49 1", "City": "Berlin", "Title": "Dr.", "Comment": "vip"}


@pytest.mark.parametrize("group, name", [("customers", "createCustomerUser"), ("customers", "getCustomerList"),
                                         ("customers", "getCustomerUser"), ("customers", "getCustomerUserList"),
                                         ("users", "getUserList"), ("users", "getUserPermissions")])
def test_every_method_needs_the_session(rpc: Rpc, group: str, name: str) -> None:
    assert failed(rpc.call(group, name, who=None)) == SESSION_INVALID
    assert failed(rpc.get(group, name, who=None, OTRSAgentInterface="not-a-token")) == SESSION_INVALID


def test_customer_list_is_the_companies(rpc: Rpc) -> None:
    companies = ok(rpc.call("customers", "getCustomerList"))["CustomerCompanies"]
    assert {"CustomerID": "example.com", "Name": "Demo Company"} in companies
    assert ok(rpc.get("customers", "getCustomerList"))["CustomerCompanies"] == companies


def test_create_customer_user_then_read_it(rpc: Rpc) -> None:
    assert ok(rpc.call("customers", "createCustomerUser", **NEW_CUSTOMER)) == {"Response": "OK"}
    body = ok(rpc.get("customers", "getCustomerUser", CustomerUser="rita"))
    assert body["UserLogin"] == "rita" and body["UserEmail"] == "rita@example.com"
    assert body["UserCustomerID"] == "example.com" and body["UserTitle"] == "Dr."
    assert (body["UserFirstname"], body["UserLastname"], body["UserPhone"], body["UserCity"]) == \
        ("Rita", "Lee", "+49 1", "Berlin")
    assert body["UserComment"] == "vip" and body["ValidID"] == 1 and body["UserFax"] is None
    listed = ok(rpc.call("customers", "getCustomerUserList", Login="rita"))["CustomerUsers"]
    assert listed == [{"CustomerUser": "example.com", "Login": "rita", "Email": "rita@example.com",
                       "Firstname": "Rita", "Lastname": "Lee", "Avatar": None}]


def test_create_customer_user_without_a_company_and_its_refusals(rpc: Rpc) -> None:
    own = {**NEW_CUSTOMER, "Login": "solo", "Email": "solo@elsewhere.org", "CustomerID": "solo"}
    assert ok(rpc.get("customers", "createCustomerUser", **own))
    assert ok(rpc.call("customers", "getCustomerUser", CustomerUser="solo"))["UserCustomerID"] == "solo"
    refused = "Couldn't create customer user"
    assert failed(rpc.call("customers", "createCustomerUser", **own)) == refused  # login taken
    assert failed(rpc.call("customers", "createCustomerUser", **{**own, "Login": "solo2"})) == refused  # e-mail taken
    assert failed(rpc.call("customers", "createCustomerUser",
                           **{**NEW_CUSTOMER, "CustomerID": "no-such-company"})) == refused
    assert failed(rpc.call("customers", "createCustomerUser",
                           **{**NEW_CUSTOMER, "Email": "not an address"})) == refused
    assert failed(rpc.call("customers", "createCustomerUser", Login="x")) == \
        "Required fields is not defined: Firstname, Lastname, CustomerID, Email"


def test_get_customer_user_errors(rpc: Rpc) -> None:
    assert failed(rpc.call("customers", "getCustomerUser")) == "No CustomerUser parameter"
    assert failed(rpc.call("customers", "getCustomerUser", CustomerUser="nobody")) == "No CustomerUser"
    # agents are not customer users
    agent_login = rpc.credentials["agent"]["email"]
    assert failed(rpc.get("customers", "getCustomerUser", CustomerUser=agent_login)) == "No CustomerUser"
    nicole = ok(rpc.get("customers", "getCustomerUser", CustomerUser=rpc.credentials["customer"]["email"]))
    assert nicole["UserFirstname"] == "Nicole" and nicole["UserCustomerID"] == "example.com"


def test_customer_user_list_filters(rpc: Rpc) -> None:
    assert failed(rpc.call("customers", "createCustomerUser", **{**NEW_CUSTOMER, "Lastname": ""})) == \
        "Required fields is not defined: Lastname"
    ok(rpc.call("customers", "createCustomerUser", **NEW_CUSTOMER))
    nicole = rpc.credentials["customer"]["email"]
    everyone = [c["Login"] for c in ok(rpc.call("customers", "getCustomerUserList"))["CustomerUsers"]]
    assert nicole in everyone and "rita" in everyone
    assert rpc.credentials["agent"]["email"] not in everyone
    by_company = ok(rpc.get("customers", "getCustomerUserList", CustomerID="example.com"))["CustomerUsers"]
    assert sorted(c["Login"] for c in by_company) == sorted([nicole, "rita"])
    by_email = ok(rpc.call("customers", "getCustomerUserList", Email=nicole))["CustomerUsers"]
    assert [c["Login"] for c in by_email] == [nicole]
    by_search = ok(rpc.call("customers", "getCustomerUserList", Search="Rita"))["CustomerUsers"]
    assert [c["Login"] for c in by_search] == ["rita"]
    both = ok(rpc.call("customers", "getCustomerUserList", Search="Rita", Email=nicole))["CustomerUsers"]
    assert both == []
    assert len(ok(rpc.call("customers", "getCustomerUserList", Limit=1))["CustomerUsers"]) == 1
    assert failed(rpc.call("customers", "getCustomerUserList", Limit="many")) == "Invalid value for Limit: 'many'"
    assert failed(rpc.call("customers", "getCustomerUserList", Limit=0)) == "Invalid value for Limit: 0"


def test_customer_user_list_placeholder_for_missing_names(rpc: Rpc) -> None:
    rpc.api.post("/api/v1/users", {"email": "nameless@example.com", "roles": ["Customer"]}, who="admin")
    listed = ok(rpc.call("customers", "getCustomerUserList", Email="nameless@example.com"))["CustomerUsers"]
    assert (listed[0]["Firstname"], listed[0]["Lastname"]) == ("Not defined", "Not defined")


def test_user_list_is_the_active_agents(rpc: Rpc) -> None:
    body = ok(rpc.call("users", "getUserList"))
    logins = {u["UserLogin"]: u for u in body["Users"]}
    assert set(logins) == {rpc.credentials["admin"]["email"], rpc.credentials["agent"]["email"]}
    assert body["Count"] == 2
    agent = logins[rpc.credentials["agent"]["email"]]
    assert agent["UserID"] == rpc.credentials["agent"]["id"] and agent["UserFullname"] == "Agent Smith"
    assert agent["ValidID"] == 1 and agent["UserLanguage"] == "en" and agent["CreateTime"]
    assert "UserPw" not in agent and not any("hash" in str(v) for v in agent.values())
    # QueueID: the agents holding access to that queue's group
    group = rpc.api.post("/api/v1/groups", {"name": "Sales"}, who="admin").json
    assert ok(rpc.get("users", "getUserList", QueueID=group["id"])) == {"Response": "OK", "Users": [], "Count": 0}
    rpc.api.put(f"/api/v1/users/{agent['UserID']}", {"group_ids": {"1": ["full"], str(group["id"]): ["read"]}},
                who="admin")
    in_queue = ok(rpc.get("users", "getUserList", QueueID=group["id"]))
    assert [u["UserLogin"] for u in in_queue["Users"]] == [rpc.credentials["agent"]["email"]]
    assert failed(rpc.call("users", "getUserList", QueueID=999)) == "No queue with QueueID 999"
    assert failed(rpc.call("users", "getUserList", QueueID="x")) == "Invalid value for QueueID: 'x'"


def test_user_permissions_in_otrs_names(rpc: Rpc) -> None:
    groups = ok(rpc.call("users", "getUserPermissions"))["Groups"]
    assert groups == [{"ID": 1, "Name": "Users",
                       "Permissions": ["ro", "move_into", "create", "note", "owner", "priority", "rw"],
                       "Queues": [{"ID": 1, "Name": "Users"}]}]
    # read-only access on a second group shows as ro only
    group = rpc.api.post("/api/v1/groups", {"name": "Sales"}, who="admin").json
    agent_id = rpc.credentials["agent"]["id"]
    rpc.api.put(f"/api/v1/users/{agent_id}", {"group_ids": {"1": ["full"], str(group["id"]): ["read"]}}, who="admin")
    by_get = ok(rpc.get("users", "getUserPermissions"))["Groups"]
    assert {"ID": group["id"], "Name": "Sales", "Permissions": ["ro"],
            "Queues": [{"ID": group["id"], "Name": "Sales"}]} in by_get
