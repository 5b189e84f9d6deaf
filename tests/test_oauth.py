"""Signing in to the generated server over real HTTP: OAuth 2.0 authorization code with PKCE
(RFC 6749, RFC 7636), refresh-token rotation, revocation (RFC 7009), metadata (RFC 8414), password
accounts and the brake on guessing, and what an admin UI reads (/api/account, /api/schema, /logo,
/admin/ from WEBUI_DIR, the extra capabilities in `using`)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from jmap_server import ADMIN_TOKEN, USING, Reply, Server, free_port
from signin_server import EnvServer
from stalwart_registry._registry import REGISTRY

ADMIN, PASSWORD = "admin", "correct horse battery staple"
CLIENT = "stalwart-webui"
EXTRA_CAPABILITIES = list(REGISTRY.project.capabilities)
ACCOUNTS = {
    "reader": {"password": "reader-pw", "permissions": ["sysSpamDnsblSettingsGet"]},
    "guarded": {"password": "guarded-pw", "permissions": []},
    "nearby": {"password": "nearby-pw", "permissions": []},
}


def make_webui(root: Path) -> Path:
    """A stand-in for a built single-page app: an index with `<base href="/">` and one asset."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><html><head><base href="/" /></head><body>app</body></html>')
    (root / "assets" / "index-abc123.js").write_text("console.log('app')")
    (root / "favicon.ico").write_bytes(b"\0\0\1\0")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("oauth")
    (work / "accounts.json").write_text(json.dumps(ACCOUNTS))
    env = {
        "ADMIN_USER": ADMIN,
        "ADMIN_PASSWORD": PASSWORD,
        "ACCOUNTS": str(work / "accounts.json"),
        "WEBUI_DIR": str(make_webui(work / "dist")),
    }
    creds = {"creates-only": ["sysActionCreate"], "runs-reload": ["sysActionCreate", "actionReloadSettings"]}
    srv = EnvServer(work, env, credentials=creds).start()
    yield srv
    srv.stop()


# -- the client side of the flow -------------------------------------------------------------------


def redirect_uri(server: Server) -> str:
    return f"{server.url}/admin/oauth/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def auth_params(server: Server, challenge: str, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": redirect_uri(server),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-123",
        "login_hint": ADMIN,
        "prompt": "login",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v != ""}


def post_form(server: Server, path: str, form: dict[str, str], address: str = "127.0.0.1") -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
    return server.request("POST", path, urlencode(form).encode(), token=None, headers=headers)


def sign_in(
    server: Server, user: str = ADMIN, password: str = PASSWORD, address: str = "127.0.0.1", **extra: str
) -> tuple[Reply, str]:
    """POSTs the login form as a browser would; returns the reply and the PKCE verifier."""
    verifier, challenge = pkce()
    form = {**auth_params(server, challenge, login_hint=user, **extra), "username": user, "password": password}
    return post_form(server, "/oauth/authorize", form, address), verifier


def code_of(reply: Reply) -> str:
    assert reply.status == 302, reply.text
    location = urlsplit(reply.headers["location"])
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


def exchange(server: Server, code: str, verifier: str, **extra: str) -> Reply:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "client_id": CLIENT,
        "redirect_uri": redirect_uri(server),
        **extra,
    }
    return post_form(server, "/oauth/token", form)


def tokens(server: Server, user: str = ADMIN, password: str = PASSWORD) -> dict[str, Any]:
    reply, verifier = sign_in(server, user, password)
    answer = exchange(server, code_of(reply), verifier)
    assert answer.status == 200, answer.text
    return answer.json  # type: ignore[no-any-return]


def refresh(server: Server, refresh_token: str) -> Reply:
    return post_form(
        server, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT}
    )


def session_status(server: Server, access_token: str) -> int:
    return server.request("GET", "/jmap/session", token=access_token).status


class Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name"):
            self.inputs[str(values["name"])] = values


# -- discovery ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/.well-known/oauth-authorization-server", "/api/discover/admin%40example.com"])
def test_metadata_names_the_endpoints_and_s256(server: Server, path: str) -> None:
    reply = server.request("GET", path, token=None)
    assert reply.status == 200
    meta = reply.json
    assert meta["issuer"] == server.url
    assert meta["authorization_endpoint"] == f"{server.url}/oauth/authorize"
    assert meta["token_endpoint"] == f"{server.url}/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["grant_types_supported"]) == {"authorization_code", "refresh_token"}
    assert "openid" not in meta["scopes_supported"]


# -- the authorization endpoint -------------------------------------------------------------------


def test_login_page_is_a_form_prefilled_from_login_hint(server: Server) -> None:
    _, challenge = pkce()
    reply = server.request("GET", "/oauth/authorize?" + urlencode(auth_params(server, challenge)), token=None)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
    assert reply.headers["x-frame-options"] == "DENY"
    page = Inputs()
    page.feed(reply.text)
    assert page.inputs["username"]["value"] == ADMIN
    assert page.inputs["password"]["type"] == "password"
    assert page.inputs["code_challenge"]["value"] == challenge  # the request rides along, hidden


def test_login_hint_is_escaped(server: Server) -> None:
    _, challenge = pkce()
    hint = '"><script>alert(1)</script>'
    reply = server.request(
        "GET", "/oauth/authorize?" + urlencode(auth_params(server, challenge, login_hint=hint)), token=None
    )
    assert "<script>" not in reply.text
    page = Inputs()
    page.feed(reply.text)
    assert page.inputs["username"]["value"] == hint


def test_the_whole_flow_gives_tokens_that_open_the_api(server: Server) -> None:
    got = tokens(server)
    assert got["token_type"] == "Bearer" and got["expires_in"] == 3600
    assert got["access_token"] != got["refresh_token"]
    reply = server.request("GET", "/jmap/session", token=got["access_token"])
    assert reply.status == 200 and reply.json["username"] == ADMIN
    body = json.dumps({"using": USING, "methodCalls": [["x:SpamDnsblSettings/get", {}, "0"]]}).encode()
    answer = server.request("POST", "/api", body, token=got["access_token"])
    assert answer.json["methodResponses"][0][0] == "x:SpamDnsblSettings/get"


def test_wrong_password_shows_the_form_again_without_a_code(server: Server) -> None:
    reply, _ = sign_in(server, "nearby", "not it", address="10.0.0.9")
    assert reply.status == 401 and "location" not in reply.headers
    assert "Wrong account name or password" in reply.text


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"redirect_uri": "https://attacker.example/admin/oauth/callback"}, "not registered"),
        ({"redirect_uri": "http://127.0.0.1:1/admin/oauth/callback"}, "not registered"),  # another origin
        ({"client_id": "someone-else"}, "unknown client_id"),
    ],
)
def test_foreign_redirect_uri_or_client_is_shown_never_redirected(
    server: Server, change: dict[str, str], why: str
) -> None:
    _, challenge = pkce()
    reply = server.request(
        "GET", "/oauth/authorize?" + urlencode({**auth_params(server, challenge), **change}), token=None
    )
    assert reply.status == 400 and "location" not in reply.headers
    assert why in reply.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),  # PKCE is required
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "admin:everything"}, "invalid_scope"),
    ],
)
def test_bad_requests_go_back_to_the_client_with_the_rfc_error(
    server: Server, change: dict[str, str], error: str
) -> None:
    _, challenge = pkce()
    params = {**auth_params(server, challenge), **change}
    reply = server.request("GET", "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v}), token=None)
    assert reply.status == 302
    location = urlsplit(reply.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri(server)
    query = parse_qs(location.query)
    assert query["error"] == [error] and query["state"] == ["st-123"] and "code" not in query


# -- the token endpoint ---------------------------------------------------------------------------


def test_a_replayed_code_is_refused_and_revokes_its_tokens(server: Server) -> None:
    reply, verifier = sign_in(server)
    code = code_of(reply)
    first = exchange(server, code, verifier)
    assert first.status == 200
    again = exchange(server, code, verifier)
    assert again.status == 400 and again.json["error"] == "invalid_grant"
    assert again.headers["cache-control"] == "no-store"
    assert session_status(server, first.json["access_token"]) == 401
    assert refresh(server, first.json["refresh_token"]).json["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"code_verifier": secrets.token_urlsafe(48)}, 400, "invalid_grant"),  # another verifier
        ({"code_verifier": "x"}, 400, "invalid_grant"),  # not even a verifier
        ({"redirect_uri": "http://127.0.0.1:1/admin/oauth/callback"}, 400, "invalid_grant"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"code_verifier": ""}, 400, "invalid_request"),
    ],
)
def test_the_code_is_bound_to_client_redirect_and_verifier(
    server: Server, change: dict[str, str], status: int, error: str
) -> None:
    reply, verifier = sign_in(server)
    code = code_of(reply)
    bad = exchange(server, code, verifier, **change)
    assert (bad.status, bad.json["error"]) == (status, error), bad.text
    assert "access_token" not in bad.json


def test_a_form_with_a_parameter_twice_is_refused(server: Server) -> None:
    reply, _ = sign_in(server)
    body = urlencode([("grant_type", "authorization_code"), ("code", code_of(reply)), ("code", "other")]).encode()
    answer = server.request(
        "POST", "/oauth/token", body, token=None, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status == 400 and answer.json["error"] == "invalid_request"


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_sign_in(server: Server) -> None:
    first = tokens(server)
    second = refresh(server, first["refresh_token"])
    assert second.status == 200
    new = second.json
    assert new["refresh_token"] != first["refresh_token"] and new["access_token"] != first["access_token"]
    assert session_status(server, new["access_token"]) == 200
    reused = refresh(server, first["refresh_token"])  # a copy of the old one comes back
    assert reused.status == 400 and reused.json["error"] == "invalid_grant"
    assert session_status(server, new["access_token"]) == 401
    assert refresh(server, new["refresh_token"]).json["error"] == "invalid_grant"


def test_revoking_the_refresh_token_signs_out(server: Server) -> None:
    got = tokens(server)
    reply = post_form(server, "/oauth/revoke", {"token": got["refresh_token"], "client_id": CLIENT})
    assert reply.status == 200
    assert session_status(server, got["access_token"]) == 401
    assert refresh(server, got["refresh_token"]).json["error"] == "invalid_grant"
    unknown = post_form(server, "/oauth/revoke", {"token": "never-issued", "client_id": CLIENT})
    assert unknown.status == 200  # RFC 7009 §2.2


def test_logout_goes_back_only_to_our_own_origin(server: Server) -> None:
    back = f"{server.url}/admin/login"
    reply = server.request(
        "GET", "/oauth/logout?" + urlencode({"client_id": CLIENT, "post_logout_redirect_uri": back}), token=None
    )
    assert reply.status == 302 and reply.headers["location"] == back
    away = "https://attacker.example/"
    reply = server.request(
        "GET", "/oauth/logout?" + urlencode({"client_id": CLIENT, "post_logout_redirect_uri": away}), token=None
    )
    assert reply.status == 200 and "location" not in reply.headers


# -- accounts and guessing ------------------------------------------------------------------------


def test_guessing_one_account_is_slowed_from_any_address(server: Server) -> None:
    for n in range(5):
        assert sign_in(server, "guarded", "guess", address=f"10.1.0.{n}")[0].status == 401
    blocked, _ = sign_in(server, "guarded", "guarded-pw", address="10.1.0.99")  # even the right password waits
    assert blocked.status == 429 and int(blocked.headers["retry-after"]) > 0
    assert "location" not in blocked.headers


def test_guessing_from_one_address_is_slowed_for_every_account(server: Server) -> None:
    for n in range(5):
        assert sign_in(server, f"nobody{n}", "guess", address="10.2.0.1")[0].status == 401
    assert sign_in(server, "reader", "reader-pw", address="10.2.0.1")[0].status == 429
    assert sign_in(server, "reader", "reader-pw", address="10.2.0.2")[0].status == 302


def test_an_account_sees_its_own_permissions(server: Server) -> None:
    got = tokens(server, "reader", "reader-pw")
    account = server.request("GET", "/api/account", token=got["access_token"]).json
    assert account["permissions"] == ["sysSpamDnsblSettingsGet"]
    body = json.dumps(
        {"using": USING, "methodCalls": [["x:SpamDnsblSettings/set", {"update": {"singleton": {}}}, "0"]]}
    )
    answer = server.request("POST", "/api", body.encode(), token=got["access_token"]).json
    assert answer["methodResponses"][0][1]["type"] == "forbidden"


def test_admin_account_lists_object_and_variant_permissions(server: Server) -> None:
    account = server.request("GET", "/api/account", token=tokens(server)["access_token"]).json
    assert account["edition"] == REGISTRY.project.edition and account["locale"] == "en"
    for obj in REGISTRY.objects:
        assert obj.permission("Get") in account["permissions"]
    assert "actionReloadSettings" in account["permissions"]
    assert server.request("GET", "/api/account", token=ADMIN_TOKEN).json["permissions"] == account["permissions"]


def test_an_operation_variant_needs_its_own_permission(server: Server) -> None:
    create = {"create": {"r": {"@type": "ReloadSettings"}}}
    refused = server.call("x:Action/set", create, token="creates-only")[1]
    assert refused["notCreated"]["r"]["type"] == "forbidden"
    assert "actionReloadSettings" in refused["notCreated"]["r"]["description"]
    assert "r" in server.call("x:Action/set", create, token="runs-reload")[1]["created"]


# -- what an admin UI reads -----------------------------------------------------------------------


def test_every_capability_of_the_project_is_accepted_and_listed(server: Server) -> None:
    session = server.request("GET", "/jmap/session").json
    for urn in EXTRA_CAPABILITIES:
        assert session["capabilities"][urn] == {}
    reply = server.api([["x:SpamDnsblSettings/get", {}, "0"]], using=[*USING, *EXTRA_CAPABILITIES])
    assert reply["methodResponses"][0][0] == "x:SpamDnsblSettings/get"
    unknown = server.request(
        "POST", "/api", json.dumps({"using": [*USING, "urn:example:nope"], "methodCalls": []}).encode()
    )
    assert unknown.status == 400 and unknown.json["type"].endswith("unknownCapability")


def test_schema_is_served_at_its_content_address_gzip_and_immutable(server: Server) -> None:
    assert server.request("GET", "/api/schema", token=None).status == 401
    moved = server.request("GET", "/api/schema")
    assert moved.status == 302
    location = moved.headers["location"]
    digest = location.rsplit("/", 1)[1]
    conn_reply = _raw_get(server, location, {"Accept-Encoding": "gzip", "Authorization": f"Bearer {ADMIN_TOKEN}"})
    status, headers, body = conn_reply
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"]
    plain = gzip.decompress(body)
    assert hashlib.sha256(plain).hexdigest() == digest
    schema = json.loads(plain)
    sections = ("objects", "schemas", "fields", "forms", "lists", "enums", "dashboards", "layouts")
    assert tuple(schema) == sections  # every one, even if empty: the WebUI iterates them all
    assert set(schema["objects"]) >= {o.jmap_name for o in REGISTRY.objects if o.name != "ServerState"}
    status, headers, body = _raw_get(server, location, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert "content-encoding" not in headers and json.loads(body) == schema
    stale = server.request("GET", "/api/schema/" + "0" * 64)
    assert stale.status == 302 and stale.headers["location"] == location


def _raw_get(server: Server, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_logo_is_a_404_without_a_body(server: Server) -> None:
    reply = server.request("GET", "/logo", token=None)
    assert (reply.status, reply.text) == (404, "")


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/login", "/admin/oauth/callback?code=x", "/admin/Settings/x:Domain/1"]
)
def test_admin_pages_are_the_app_with_its_base(server: Server, path: str) -> None:
    reply = server.request("GET", path, token=None)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
    assert '<base href="/admin/" />' in reply.text and 'href="/"' not in reply.text


def test_admin_assets_have_their_types_and_missing_ones_are_404(server: Server) -> None:
    script = server.request("GET", "/admin/assets/index-abc123.js", token=None)
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    assert server.request("GET", "/admin/assets/gone.js", token=None).status == 404
    assert server.request("GET", "/admin/%2e%2e/accounts.json", token=None).status == 404
    moved = server.request("GET", "/admin", token=None)
    assert moved.status == 301 and moved.headers["location"] == "/admin/"


# -- start-up -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ADMIN_USER": "admin"}, "ADMIN_USER and ADMIN_PASSWORD must be set together"),
        ({"WEBUI_DIR": "/nonexistent"}, "WEBUI_DIR /nonexistent has no index.html"),
        ({"ACCESS_TOKEN_TTL": "soon"}, "ACCESS_TOKEN_TTL must be a positive number of seconds"),
    ],
)
def test_bad_sign_in_settings_stop_the_start(tmp_path: Path, env: dict[str, str], message: str) -> None:
    full = {k: v for k, v in os.environ.items() if k not in ("ADMIN_USER", "ADMIN_PASSWORD", "WEBUI_DIR")}
    full |= {"PORT": str(free_port()), "DB": str(tmp_path / "db.sqlite3"), **env}
    done = subprocess.run(
        [sys.executable, "-m", "stalwart_registry.server"], env=full, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), done.stderr


# -- odd requests to the new routes: clear answers, never a 500 -------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/oauth/token", None, {}, 405),
        ("PUT", "/oauth/authorize", None, {}, 405),
        ("POST", "/api/account", b"", {}, 405),
        ("POST", "/oauth/token", b'{"grant_type": "refresh_token"}', {"Content-Type": "application/json"}, 400),
        ("POST", "/oauth/token", b"grant_type=%FF%FE", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        ("POST", "/oauth/token", b"a=" + b"x" * 70_000, {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        ("POST", "/oauth/authorize", b"\xff", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        ("GET", "/oauth/authorize", None, {}, 400),  # no client at all: shown, not redirected
        ("GET", "/admin/%00", None, {}, 404),
        ("GET", "/admin/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", None, {}, 404),
        ("GET", "/api/discover/%00%ff", None, {}, 200),
    ],
)
def test_odd_requests_get_clear_answers(
    server: Server, method: str, path: str, body: bytes | None, headers: dict[str, str], status: int
) -> None:
    reply = server.request(method, path, body, token=None, headers=headers)
    assert reply.status == status, reply.text
    if path == "/oauth/token" and method == "POST":
        assert reply.json["error"] == "invalid_request"
    assert "Traceback" not in reply.text


def test_the_server_kept_serving(server: Server) -> None:
    assert server.request("GET", "/jmap/session").status == 200


def test_an_expired_access_token_is_refused_and_a_refresh_renews_it(tmp_path: Path) -> None:
    env = {"ADMIN_USER": ADMIN, "ADMIN_PASSWORD": PASSWORD, "ACCESS_TOKEN_TTL": "0.01"}
    short = EnvServer(tmp_path, env).start()
    try:
        got = tokens(short)
        assert got["expires_in"] == 0  # whole seconds, rounded down
        for _ in range(200):  # waits for the expiry (a hundredth of a second) without timing it
            if session_status(short, got["access_token"]) == 401:
                break
            time.sleep(0.05)
        assert session_status(short, got["access_token"]) == 401
        renewed = refresh(short, got["refresh_token"])
        assert renewed.status == 200 and renewed.json["refresh_token"] != got["refresh_token"]
    finally:
        short.stop()
