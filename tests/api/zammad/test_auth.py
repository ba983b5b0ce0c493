"""Authentication as Zammad does it: Basic, Token token=, Bearer JWT, X-On-Behalf-Of / From."""
from __future__ import annotations

import base64
import time

import jwt
import pytest

from tests.conftest import basic


def token_for(api, who="admin", permissions=("ticket.agent",), expires_at=None):
    reply = api.post("/api/v1/user_access_token",
                     {"label": "test", "permission": list(permissions), "expires_at": expires_at}, who=who)
    assert reply.status == 200, reply
    return reply.json["name"]


def oauth_token(api, login="admin@example.com", password="admin-password"):
    reply = api.client.http.post("/oauth/token", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 body=f"grant_type=password&username={login}&password={password}".encode())
    return reply


def call(api, headers):
    return api.get("/api/v1/users/me", who=None, headers=headers)


def test_missing_credentials_is_403_authentication_required(api):
    reply = call(api, {})
    assert reply.status == 403
    assert reply.json == {"error": "Authentication required", "error_human": "Authentication required"}
    assert reply.headers["x-failure"] == "Authentication required"
    assert call(api, {"Authorization": "Digest abc"}).status == 403


def test_basic_auth_by_login_or_email(api):
    reply = call(api, {"Authorization": basic("admin@example.com", "admin-password")})
    assert reply.status == 200 and reply.json["email"] == "admin@example.com"
    assert reply.json["role_ids"] == [1, 2] and "password" not in reply.body.decode()
    assert call(api, {"Authorization": basic("ADMIN@example.com", "admin-password")}).status == 200


@pytest.mark.parametrize("header", [
    basic("admin@example.com", "wrong"), basic("nobody@example.com", "x"), "Basic !!!notbase64",
    "Basic " + base64.b64encode(b"no-colon").decode(),
])
def test_wrong_basic_credentials(api, header):
    reply = call(api, {"Authorization": header})
    assert reply.status == 401
    assert reply.json["error"] == "Invalid BasicAuth credentials"


def test_access_token_auth_and_deletion(api):
    raw = token_for(api)
    for header in (f"Token token={raw}", f'Token token="{raw}"'):
        assert call(api, {"Authorization": header}).status == 200
    listed = api.get("/api/v1/user_access_token").json
    assert [t["label"] for t in listed["tokens"]] == ["test"]
    assert raw not in str(listed)
    assert {"name": "ticket.agent", "note": "Access to Ticket in Agent mode"}.items() <= \
        next(p for p in listed["permissions"] if p["name"] == "ticket.agent").items()
    token_id = listed["tokens"][0]["id"]
    assert api.delete(f"/api/v1/user_access_token/{token_id}").json == {}
    reply = call(api, {"Authorization": f"Token token={raw}"})
    assert reply.status == 401 and reply.json["error"] == "Can't find User for Token"


def test_access_token_narrows_permissions(api):
    raw = token_for(api, permissions=("ticket.agent",))
    headers = {"Authorization": f"Token token={raw}"}
    ticket_id = api.get("/api/v1/tickets").json[0]["id"]
    assert api.get(f"/api/v1/tickets/{ticket_id}", who=None, headers=headers).status == 200
    # admin-only delete: the token was not created with the admin permission
    assert api.delete(f"/api/v1/tickets/{ticket_id}", who=None, headers=headers).status == 403
    raw_customer = token_for(api, who="customer", permissions=("ticket.agent",))
    reply = api.get("/api/v1/tickets/search?query=printer", who=None,
                    headers={"Authorization": f"Token token={raw_customer}"})
    assert reply.status == 200 and reply.json == []  # the customer never gains agent rights


def test_expired_and_invalid_access_token(api):
    raw = token_for(api, expires_at="2000-01-01")
    reply = call(api, {"Authorization": f"Token token={raw}"})
    assert reply.status == 401 and reply.json["error"] == "Not authorized (token expired)!"
    assert call(api, {"Authorization": "Token token=nope"}).json["error"] == "Can't find User for Token"


def test_access_token_validation(api):
    reply = api.post("/api/v1/user_access_token", {"label": "x", "permission": ["root.everything"]})
    assert reply.status == 422 and reply.json["error"] == "Invalid permission 'root.everything'"
    assert api.post("/api/v1/user_access_token", {"label": "", "permission": ["ticket.agent"]}).status == 422
    missing = api.delete("/api/v1/user_access_token/999")
    assert missing.status == 422 and missing.json["error"] == "The API token could not be found."


def test_bearer_jwt_and_logout(api):
    reply = oauth_token(api)
    assert reply.status_code == 200
    grant = __import__("json").loads(reply.body)
    assert grant["token_type"] == "Bearer" and grant["expires_in"] > 0
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    assert call(api, headers).json["login"] == "admin@example.com"
    revoke = api.client.http.post("/oauth/revoke", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                  body=f"token={grant['access_token']}".encode())
    assert revoke.status_code == 200
    reply = call(api, headers)
    assert reply.status == 401 and reply.json["error"] == "The provided token is invalid."


def test_oauth_errors(api):
    assert oauth_token(api, password="wrong").status_code == 400
    reply = api.client.http.post("/oauth/token", headers={"Content-Type": "application/json"},
                                 body=b'{"grant_type": "client_credentials"}')
    assert reply.status_code == 400 and b"unsupported_grant_type" in reply.body


def forged(payload, key="another-signing-key-of-32-bytes!!", algorithm="HS256", headers=None):
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def test_token_attacks_are_refused(api):
    from chalicelib import settings
    secret = settings.get().jwt_secret
    now = int(time.time())
    good = {"sub": "2", "jti": "x1", "iat": now, "exp": now + 600, "iss": "helpdesk", "aud": "zammad"}
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode() + "." + \
        base64.urlsafe_b64encode(__import__("json").dumps(good).encode()).rstrip(b"=").decode() + "."
    attacks = {
        "alg none": unsigned,
        "other key": forged(good),
        "expired": forged({**good, "exp": now - 10, "iat": now - 700}, key=secret),
        "wrong audience": forged({**good, "aud": "otrs"}, key=secret),
        "wrong issuer": forged({**good, "iss": "evil"}, key=secret),
        "missing jti": forged({k: v for k, v in good.items() if k != "jti"}, key=secret),
        "HS512 instead of HS256": forged(good, key=secret, algorithm="HS512"),
    }
    signed = forged(good, key=secret)
    head, body, signature = signed.split(".")
    tampered_body = base64.urlsafe_b64encode(
        __import__("json").dumps({**good, "sub": "1"}).encode()).rstrip(b"=").decode()
    attacks["tampered payload"] = f"{head}.{tampered_body}.{signature}"
    for name, token in attacks.items():
        reply = call(api, {"Authorization": f"Bearer {token}"})
        assert reply.status == 401, name
        expected = "OAuth2 token is expired!" if name == "expired" else "The provided token is invalid."
        assert reply.json["error"] == expected, name
    assert call(api, {"Authorization": f"Bearer {signed}"}).status == 200


def test_on_behalf_of(api):
    customer = api.credentials["customer"]
    for value in (str(customer["id"]), customer["email"], customer["email"].upper()):
        reply = api.get("/api/v1/users/me", headers={"X-On-Behalf-Of": value})
        assert reply.status == 200 and reply.json["id"] == customer["id"], value
    created = api.post("/api/v1/tickets", {"title": "on behalf", "group": "Users", "article": {"body": "x"}},
                       headers={"X-On-Behalf-Of": customer["email"]})
    assert created.status == 201 and created.json["created_by_id"] == customer["id"]
    assert created.json["customer_id"] == customer["id"]
    denied = api.get("/api/v1/users/me", who="agent", headers={"X-On-Behalf-Of": customer["email"]})
    assert denied.status == 403
    assert denied.json["error"] == "Current user has no permission to use 'From'/'X-On-Behalf-Of'!"
    unknown = api.get("/api/v1/users/me", headers={"X-On-Behalf-Of": "99449494949"})
    assert unknown.status == 403 and unknown.json["error"] == "No such user '99449494949'"


def test_inactive_user_cannot_log_in(api):
    from chalicelib import bootstrap
    store = bootstrap.container().user_store
    agent = store.get(api.credentials["agent"]["id"])
    agent.active = False
    store.save(agent)
    reply = api.get("/api/v1/users/me", who="agent")
    assert reply.status == 401
    assert reply.json["error"].startswith("Login failed.")
