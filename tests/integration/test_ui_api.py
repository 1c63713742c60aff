"""The UI API (SPEC §4.4; issue 3): authentication and roles, custom sources, the webhook log
(filters, keyset pagination over a few thousand rows), one webhook, the dashboard, and workspace
isolation through every endpoint.

Two servers: `srv` (admin API key configured, default UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS=ADMINS) and
`everyone` (SIDEBAR_ACCESS=EVERYONE). Every token, the admin key and every custom-source secret are
recorded as secrets for the session's no-secrets check."""
from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from conftest import (WEBHOOK_SECRET_PREFIX, Server, assert_accepted, assert_error, assert_status,
                      create_custom_source, http, install, new_workspace, record_secret,
                      sample_for, send_custom, ui_delete, ui_get, user_token, wait_queue_drained)

ADMIN_KEY = record_secret("uwh-admin-" + secrets.token_urlsafe(32))
UI_GETS = ["/ui/dashboard", "/ui/webhooks", "/ui/custom-sources"]


@pytest.fixture(scope="module")
def srv(make_server) -> Server:
    s = make_server(env={"UNIVERSAL_WEBHOOK_ADMIN_API_KEY": ADMIN_KEY}, name="ui")
    yield s
    if s.running:
        s.stop()


@pytest.fixture(scope="module")
def everyone(make_server) -> Server:
    s = make_server(env={"UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS": "EVERYONE"}, name="ui-everyone")
    yield s
    if s.running:
        s.stop()


def tenant(server: Server, minter, events=("NEW_PROJECT", "NEW_TAG")) -> SimpleNamespace:
    ws = new_workspace()
    inst = install(server, minter, ws, list(events))
    return SimpleNamespace(ws=ws, inst=inst, install_token=inst.auth_token,
                           admin=user_token(minter, ws, "ADMIN"),
                           owner=user_token(minter, ws, "OWNER"),
                           user=user_token(minter, ws, "USER"))


def created(server: Server, token: str, name: str, *, open_source=False, **kw) -> dict:
    r = create_custom_source(server, token, name, open_source=open_source, **kw)
    assert r.status_code == 201, \
        f"POST /ui/custom-sources {name}: expected 201, got {r.status_code} {r.text[:300]}"
    return r.json()


def source_names(server: Server, token: str, **kw) -> set[str]:
    r = ui_get(server, "/ui/custom-sources", token, **kw)
    assert r.status_code == 200, f"GET /ui/custom-sources: {r.status_code} {r.text[:300]}"
    body = r.json()
    assert body.get("next_cursor", "missing") is None, body
    return {i["source"] for i in body["items"]}


def admin_key_headers(key: str = ADMIN_KEY) -> dict:
    return {"Authorization": f"Bearer {key}"}


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fmt_ts(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{t.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------
# Authentication and roles
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def a(srv, minter):
    t = tenant(srv, minter)
    t.secret = created(srv, t.admin, "a-signed")["secret"]
    created(srv, t.admin, "a-open", open_source=True)
    t.webhook_id = assert_accepted(send_custom(srv, "a-open", b'{"a":1}', workspace=t.ws),
                                   "A's first webhook")
    return t


@pytest.fixture(scope="module")
def b(srv, minter):
    t = tenant(srv, minter)
    t.secret = created(srv, t.admin, "b-only")["secret"]
    created(srv, t.admin, "shared-name", open_source=True)
    t.body = json.dumps({"b": "private payload", "n": uuid.uuid4().hex}).encode()
    t.webhook_id = assert_accepted(send_custom(srv, "b-only", t.body, workspace=t.ws,
                                               secret=t.secret, event_type="b.event"),
                                   "B's webhook")
    return t


def every_ui_call(a_source="a-open", webhook_id=1):
    """(method, path, body) for every /ui endpoint of this issue."""
    return [("GET", "/ui/dashboard", None), ("GET", "/ui/webhooks", None),
            ("GET", f"/ui/webhooks/{webhook_id}", None), ("GET", "/ui/custom-sources", None),
            ("POST", "/ui/custom-sources", {"source": f"new-{uuid.uuid4().hex[:8]}",
                                            "open": True}),
            ("DELETE", f"/ui/custom-sources/{a_source}", None)]


def call(server: Server, method: str, path: str, body=None, *, token=None, params=None,
         headers=None):
    hdrs = {}
    if token is not None:
        hdrs["X-Addon-Token"] = token
    hdrs.update(headers or {})
    if method == "POST":
        # An unrecorded session would hide a leak; these calls are expected to fail, so any
        # secret in their answer is a leak, and the recording session is right.
        hdrs["Content-Type"] = "application/json"
        return http().post(server.url(path), data=json.dumps(body).encode(), headers=hdrs,
                           params=params, timeout=15)
    if method == "DELETE":
        return ui_delete(server, path, params=params, headers=hdrs)
    return server.get(path, params=params, headers=hdrs)


def test_no_credentials_is_401(srv, a):
    for method, path, body in every_ui_call(webhook_id=a.webhook_id):
        assert_error(call(srv, method, path, body), 401, "unauthenticated", f"{method} {path}")
    assert source_names(srv, a.admin) == {"a-signed", "a-open"}


def test_bad_tokens_are_401(srv, a, minter, other_keys):
    bad = {
        "garbage": "not-a-token",
        "untrusted key": minter.mint("user", a.ws, role="ADMIN", key=other_keys),
        "other add-on": minter.mint("user", a.ws, role="ADMIN", addon_key="someone-else"),
    }
    for what, token in bad.items():
        for path in UI_GETS:
            assert_error(ui_get(srv, path, token), 401, "unauthenticated", f"{what}: {path}")
        r = create_custom_source(srv, token, f"x-{uuid.uuid4().hex[:6]}")
        assert_error(r, 401, "unauthenticated", f"{what}: POST /ui/custom-sources")


def test_expired_user_token(srv, a, minter):
    expired = user_token(minter, a.ws, "ADMIN", ttl="-5m")
    for path in UI_GETS:
        err = assert_error(ui_get(srv, path, expired), 401, "unauthenticated",
                           f"expired token: {path}")
        assert "expir" in err["message"].lower(), f"message does not say expired: {err}"


def test_admin_and_owner_and_installation_token_can_change(srv, a):
    for what, token in (("ADMIN", a.admin), ("OWNER", a.owner),
                        ("installation token", a.install_token)):
        name = f"by-{what.split()[0].lower()}"
        src = created(srv, token, name)
        assert src["source"] == name and src["secret"].startswith(WEBHOOK_SECRET_PREFIX)
        assert name in source_names(srv, token)
        r = ui_delete(srv, f"/ui/custom-sources/{name}", token)
        assert r.status_code == 204, f"{what}: DELETE: {r.status_code} {r.text[:300]}"
        assert not r.content, f"204 with a body: {r.content[:200]!r}"
        assert name not in source_names(srv, token)


def test_auth_token_query_parameter(srv, a):
    for path in UI_GETS:
        r = srv.get(path, params={"auth_token": a.admin})
        assert r.status_code == 200, f"{path}?auth_token=: {r.status_code} {r.text[:300]}"
    r = create_custom_source(srv, None, "via-query", params={"auth_token": a.install_token})
    assert r.status_code == 201, f"POST ?auth_token=: {r.status_code} {r.text[:300]}"
    r = ui_delete(srv, "/ui/custom-sources/via-query", params={"auth_token": a.admin})
    assert r.status_code == 204, r.text


def test_user_role_is_refused_with_sidebar_for_admins(srv, a):
    before = source_names(srv, a.admin)
    for method, path, body in every_ui_call(webhook_id=a.webhook_id):
        assert_error(call(srv, method, path, body, token=a.user), 403, "forbidden",
                     f"role USER, SIDEBAR_ACCESS=ADMINS: {method} {path}")
    assert source_names(srv, a.admin) == before


def test_user_role_reads_only_with_sidebar_for_everyone(everyone, minter):
    t = tenant(everyone, minter)
    created(everyone, t.admin, "kept", open_source=True)
    wid = assert_accepted(send_custom(everyone, "kept", b'{"x":1}', workspace=t.ws), "webhook")
    for path in UI_GETS + [f"/ui/webhooks/{wid}"]:
        r = ui_get(everyone, path, t.user)
        assert r.status_code == 200, f"USER, EVERYONE: GET {path}: {r.status_code} {r.text[:300]}"
    assert_error(create_custom_source(everyone, t.user, "not-allowed"), 403, "forbidden",
                 "USER, EVERYONE: POST /ui/custom-sources")
    assert_error(ui_delete(everyone, "/ui/custom-sources/kept", t.user), 403, "forbidden",
                 "USER, EVERYONE: DELETE /ui/custom-sources/kept")
    assert source_names(everyone, t.user) == {"kept"}
    # An admin of the same server may change things.
    created(everyone, t.admin, "by-admin")


def test_admin_api_key(srv, a, b):
    key = admin_key_headers()
    for path in UI_GETS:
        r = srv.get(path, params={"workspace_id": a.ws}, headers=key)
        assert r.status_code == 200, f"admin key {path}: {r.status_code} {r.text[:300]}"
    assert source_names(srv, None, params={"workspace_id": a.ws}, headers=key) == \
        {"a-signed", "a-open"}
    r = create_custom_source(srv, None, "by-key", headers=key, params={"workspace_id": a.ws})
    assert r.status_code == 201, f"admin key create: {r.status_code} {r.text[:300]}"
    assert "by-key" in source_names(srv, a.admin)
    assert "by-key" not in source_names(srv, b.admin)
    r = ui_delete(srv, "/ui/custom-sources/by-key", params={"workspace_id": a.ws}, headers=key)
    assert r.status_code == 204, r.text
    # The admin key of workspace A's request does not open B's webhook.
    assert_error(srv.get(f"/ui/webhooks/{b.webhook_id}", params={"workspace_id": a.ws},
                         headers=key), 404, "not_found", "admin key for A, B's webhook")
    assert_error(ui_delete(srv, "/ui/custom-sources/b-only", params={"workspace_id": a.ws},
                           headers=key), 404, "not_found", "admin key for A, DELETE B's source")
    assert "b-only" in source_names(srv, b.admin)
    # A wrong key is 401.
    for path in UI_GETS:
        assert_error(srv.get(path, params={"workspace_id": a.ws},
                             headers=admin_key_headers(ADMIN_KEY + "x")),
                     401, "unauthenticated", f"wrong admin key {path}")


def test_admin_api_key_not_configured(everyone, minter):
    t = tenant(everyone, minter)
    for path in UI_GETS:
        assert_error(everyone.get(path, params={"workspace_id": t.ws},
                                  headers=admin_key_headers()),
                     401, "unauthenticated", f"admin key on a server without one: {path}")


def test_workspace_without_installation(srv, minter):
    ws = new_workspace()
    for role in ("ADMIN", "OWNER"):
        token = user_token(minter, ws, role)
        for path in UI_GETS:
            assert_error(ui_get(srv, path, token), 403, "not_installed",
                         f"{role} of a workspace without installation: {path}")
    assert_error(srv.get("/ui/dashboard", params={"workspace_id": ws},
                         headers=admin_key_headers()), 403, "not_installed",
                 "admin key, workspace without installation")
    # Installed, then uninstalled.
    t = tenant(srv, minter)
    r = srv.lifecycle("uninstalled", t.ws, {"addonId": "dev-addon", "workspaceId": t.ws},
                      minter=minter)
    assert r.status_code == 200, r.text
    for token in (t.admin, t.install_token):
        for path in UI_GETS:
            assert_error(ui_get(srv, path, token), 403, "not_installed",
                         f"after uninstall: {path}")


# --------------------------------------------------------------------------------------------
# Custom sources
# --------------------------------------------------------------------------------------------
def test_custom_source_crud(srv, minter):
    t = tenant(srv, minter)
    g = created(srv, t.admin, "github")
    assert set(g) >= {"source", "open", "created_at", "url", "secret", "note"}, g.keys()
    assert g["source"] == "github" and g["open"] is False
    assert g["url"] == "http://127.0.0.1:8001/webhooks/custom/github", g["url"]
    created_at = parse_ts(g["created_at"])
    assert abs((datetime.now(timezone.utc) - created_at).total_seconds()) < 120, g["created_at"]
    o = created(srv, t.admin, "Open_1.x", open_source=True)
    assert o["open"] is True and o.get("secret") is None, o
    assert o["url"].endswith("/webhooks/custom/Open_1.x")

    r = ui_get(srv, "/ui/custom-sources", t.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    items = {i["source"]: i for i in body["items"]}
    assert set(items) == {"github", "Open_1.x"}
    for name, item in items.items():
        assert set(item) >= {"source", "open", "created_at", "url"}, item
        assert "secret" not in item and "note" not in item, item
    assert items["github"]["open"] is False and items["Open_1.x"]["open"] is True
    assert WEBHOOK_SECRET_PREFIX not in r.text
    assert g["secret"][len(WEBHOOK_SECRET_PREFIX):] not in r.text

    # Duplicate → 409, the first secret keeps working.
    assert_error(create_custom_source(srv, t.admin, "github"), 409, "conflict", "duplicate")
    assert_error(create_custom_source(srv, t.admin, "github", open_source=True), 409, "conflict",
                 "duplicate, open")
    assert_accepted(send_custom(srv, "github", b'{"k":1}', workspace=t.ws, secret=g["secret"]),
                    "the first secret after a refused duplicate")

    # Delete → 204, gone; again → 404.
    r = ui_delete(srv, "/ui/custom-sources/github", t.admin)
    assert r.status_code == 204, f"{r.status_code} {r.text}"
    assert source_names(srv, t.admin) == {"Open_1.x"}
    assert_error(ui_delete(srv, "/ui/custom-sources/github", t.admin), 404, "not_found",
                 "delete twice")
    assert_error(ui_delete(srv, "/ui/custom-sources/never-was", t.admin), 404, "not_found",
                 "delete unknown")
    # Re-created: a new secret.
    g2 = created(srv, t.admin, "github")
    assert g2["secret"] != g["secret"]


@pytest.mark.parametrize("body", [
    {"source": "a/b"}, {"source": "x" * 65}, {"source": ""}, {"source": "sp ace"},
    {"source": "bad!"}, {"source": 42}, {"open": True}, {"source": None}, {"source": "ünï"},
], ids=["slash", "65-chars", "empty", "space", "bang", "number", "missing", "null", "non-ascii"])
def test_invalid_source_name_is_400(srv, a, body):
    before = source_names(srv, a.admin)
    err = assert_error(create_custom_source(srv, a.admin, None, body=body), 400,
                       "validation_failed", f"body {body}")
    assert err.get("field") == "source", err
    assert source_names(srv, a.admin) == before


# --------------------------------------------------------------------------------------------
# One webhook
# --------------------------------------------------------------------------------------------
def test_webhook_detail(srv, minter):
    t = tenant(srv, minter)
    secret = created(srv, t.admin, "shop")["secret"]
    created(srv, t.admin, "form", open_source=True)
    body = json.dumps({"order": {"id": 7, "lines": [1, 2]}, "workspaceId": t.ws}).encode()
    jid = assert_accepted(send_custom(srv, "shop", body, workspace=t.ws, secret=secret,
                                      event_type="order.paid"), "json")
    fid = assert_accepted(send_custom(srv, "form", b"a=1&b=two+words&c=%C3%A4",
                                      workspace=t.ws,
                                      content_type="application/x-www-form-urlencoded"), "form")
    cbody = sample_for("NEW_PROJECT", t.ws, _it_case=f"detail-{t.ws}")
    cid = assert_accepted(srv.send_webhook("NEW_PROJECT", cbody, t.inst["NEW_PROJECT"]),
                          "clockify")

    r = ui_get(srv, f"/ui/webhooks/{jid}", t.admin)
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) >= {"id", "workspace_id", "event_type", "source", "custom_source", "status",
                      "received_at", "content_type", "error_message", "payload", "headers",
                      "executions"}, d.keys()
    assert d["id"] == jid and d["workspace_id"] == t.ws
    assert (d["event_type"], d["source"], d["custom_source"]) == ("order.paid", "CUSTOM", "shop"), d
    assert_status(d["status"], "received", "webhook detail")
    assert d["content_type"] == "application/json"
    assert d["error_message"] is None
    assert d["payload"] == json.loads(body)
    assert d["executions"] == []
    headers = {k.lower(): v for k, v in d["headers"].items()}
    assert headers.get("webhook-signature") == "[redacted]", headers
    assert headers.get("x-webhook-source") == "shop"
    assert headers.get("x-event-type") == "order.paid"
    parse_ts(d["received_at"])

    r = ui_get(srv, f"/ui/webhooks/{fid}", t.admin)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["payload"] == {"a": "1", "b": "two words", "c": "ä"}, d["payload"]
    assert d["content_type"] == "application/x-www-form-urlencoded"
    assert (d["event_type"], d["custom_source"]) == ("form", "form")

    r = ui_get(srv, f"/ui/webhooks/{cid}", t.admin)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["payload"] == json.loads(cbody)
    assert (d["event_type"], d["source"], d["custom_source"]) == ("NEW_PROJECT", "CLOCKIFY", None)
    headers = {k.lower(): v for k, v in d["headers"].items()}
    assert headers.get("clockify-signature") == "[redacted]", headers

    for bad in ("999999999", "0", "-1", "abc"):
        r = ui_get(srv, f"/ui/webhooks/{bad}", t.admin)
        assert r.status_code in (400, 404), f"/ui/webhooks/{bad}: {r.status_code} {r.text}"
        if bad == "999999999":
            assert_error(r, 404, "not_found", "unknown webhook id")


# --------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------
def test_dashboard_counts(srv, minter):
    start = datetime.now(timezone.utc) - timedelta(seconds=2)
    t = tenant(srv, minter, events=("NEW_PROJECT", "NEW_TAG"))
    other = tenant(srv, minter)  # its webhooks must not count
    secret = created(srv, t.admin, "shop")["secret"]
    created(srv, t.admin, "ping", open_source=True)
    created(srv, other.admin, "ping", open_source=True)
    sent = []
    for i in range(3):
        sent.append(send_custom(srv, "shop", json.dumps({"i": i}).encode(), workspace=t.ws,
                                secret=secret, event_type="order.paid"))
    for i in range(2):
        sent.append(send_custom(srv, "ping", json.dumps({"p": i}).encode(), workspace=t.ws))
    for i in range(4):
        sent.append(srv.send_webhook("NEW_TAG", sample_for("NEW_TAG", t.ws, _n=i),
                                     t.inst["NEW_TAG"]))
    for i in range(5):
        assert_accepted(send_custom(srv, "ping", json.dumps({"o": i}).encode(),
                                    workspace=other.ws), "other workspace")
    r = srv.lifecycle("status-changed", t.ws, {"addonId": "dev-addon", "workspaceId": t.ws,
                                               "status": "INACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    sent.append(send_custom(srv, "ping", b'{"inactive":true}', workspace=t.ws))
    # Refused calls count nowhere.
    assert send_custom(srv, "shop", b'{"bad":1}', workspace=t.ws).status_code == 401
    for resp in sent:
        assert_accepted(resp, "dashboard input")

    wait_queue_drained(srv, [t.ws])
    r = ui_get(srv, "/ui/dashboard", t.admin)
    assert r.status_code == 200, r.text
    d = r.json()
    for key in ("workspace_id", "installation", "settings", "bootstrap", "entities", "flows",
                "webhooks_24h", "executions_24h", "errors_24h", "event_coverage",
                "custom_sources"):
        assert key in d, f"dashboard has no {key}: {list(d)}"
    assert d["workspace_id"] == t.ws
    assert d["installation"].get("status") == "INACTIVE", d["installation"]
    w = d["webhooks_24h"]
    assert w["total"] == 10, w
    assert w["by_status"] == {"processed": 9, "skipped_inactive": 1}, w["by_status"]
    assert w["by_event_type"] == {"order.paid": 3, "ping": 3, "NEW_TAG": 4}, w["by_event_type"]
    assert w["by_source"] == {"CUSTOM": 6, "CLOCKIFY": 4}, w["by_source"]
    last = parse_ts(w["last_received_at"])
    assert start <= last <= datetime.now(timezone.utc) + timedelta(seconds=2), w
    assert isinstance(d["executions_24h"], dict) and isinstance(d["errors_24h"], dict)
    names = {s if isinstance(s, str) else s.get("source") for s in d["custom_sources"]}
    assert names == {"shop", "ping"}, d["custom_sources"]
    assert WEBHOOK_SECRET_PREFIX not in r.text
    coverage = {c["event_type"]: c for c in d["event_coverage"]}
    assert len(coverage) == 51, len(coverage)
    reaching = {e for e, c in coverage.items() if c["reaches"]}
    assert reaching == {"NEW_PROJECT", "NEW_TAG"}, reaching
    assert all(coverage[e].get("route") for e in reaching), d["event_coverage"]

    # The other workspace sees only its own.
    r = ui_get(srv, "/ui/dashboard", other.admin)
    assert r.status_code == 200, r.text
    w = r.json()["webhooks_24h"]
    assert w["total"] == 5 and w["by_source"] == {"CUSTOM": 5}, w
    assert w["by_event_type"] == {"ping": 5}, w


def test_webhook_list_parameters(srv, a):
    r = ui_get(srv, "/ui/webhooks", a.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "next_cursor"}, body.keys()
    item = body["items"][0]
    assert set(item) >= {"id", "workspace_id", "event_type", "source", "custom_source", "status",
                         "received_at", "content_type", "error_message"}, item.keys()
    assert "payload" not in item or item["payload"] is None
    bad = [({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "abc"}, "limit"),
           ({"limit": "-5"}, "limit"), ({"cursor": "abc"}, "cursor"),
           ({"cursor": "-3"}, "cursor"), ({"from": "yesterday"}, "from"),
           ({"to": "2026-13-45"}, "to"), ({"from": "12:00"}, "from")]
    for params, field in bad:
        err = assert_error(ui_get(srv, "/ui/webhooks", a.admin, params=params), 400,
                           "validation_failed", f"GET /ui/webhooks {params}")
        assert err.get("field") == field, f"{params}: {err}"
    for limit in ("1", "500"):
        r = ui_get(srv, "/ui/webhooks", a.admin, params={"limit": limit})
        assert r.status_code == 200, f"limit={limit}: {r.status_code} {r.text[:200]}"


# --------------------------------------------------------------------------------------------
# Pagination over a few thousand rows
# --------------------------------------------------------------------------------------------
A_EVENTS = ["order.created", "order.paid", "order.refunded", None]  # None: the source name


@pytest.fixture(scope="module")
def bulk(srv, minter):
    """~3000 rows in workspace P (custom sources pg-alpha/pg-beta with several event types,
    Clockify NEW_PROJECT/NEW_TAG, a skipped_inactive phase), and rows in workspace Q sent
    concurrently so that their ids interleave with P's."""
    p = tenant(srv, minter)
    q = tenant(srv, minter)
    for t in (p, q):
        created(srv, t.admin, "pg-alpha", open_source=True)
        created(srv, t.admin, "pg-beta", open_source=True)
    lock = threading.Lock()
    ids = {p.ws: [], q.ws: []}

    def job(kind, t, i):
        if kind == "clockify":
            event = "NEW_PROJECT" if i % 2 else "NEW_TAG"
            resp = srv.send_webhook(event, sample_for(event, t.ws, _bulk=i, _n=uuid.uuid4().hex),
                                    t.inst[event])
        else:
            source = "pg-alpha" if i % 5 < 3 else "pg-beta"
            event = A_EVENTS[i % len(A_EVENTS)]
            body = json.dumps({"i": i, "n": uuid.uuid4().hex}).encode()
            resp = send_custom(srv, source, body, workspace=t.ws, event_type=event)
        row_id = assert_accepted(resp, f"bulk {kind} {i}")
        with lock:
            ids[t.ws].append(row_id)

    def phase(jobs):
        with ThreadPoolExecutor(max_workers=24) as pool:
            for f in [pool.submit(job, *j) for j in jobs]:
                f.result()

    jobs = [("custom", p, i) for i in range(1900)] + [("clockify", p, i) for i in range(301)] + \
           [("custom", q, i) for i in range(350)] + [("clockify", q, i) for i in range(40)]
    jobs.sort(key=lambda j: (j[2] * 7919) % 1000)  # interleave P and Q
    t0 = time.monotonic()
    phase(jobs)
    time.sleep(0.02)
    r = srv.lifecycle("status-changed", p.ws, {"addonId": "dev-addon", "workspaceId": p.ws,
                                               "status": "INACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    phase([("custom", p, 10000 + i) for i in range(213)] +
          [("custom", q, 10000 + i) for i in range(30)])
    r = srv.lifecycle("status-changed", p.ws, {"addonId": "dev-addon", "workspaceId": p.ws,
                                               "status": "ACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    time.sleep(0.02)
    phase([("custom", p, 20000 + i) for i in range(611)] +
          [("clockify", p, 20000 + i) for i in range(27)] +
          [("custom", q, 20000 + i) for i in range(60)])
    elapsed = time.monotonic() - t0
    p.ids, q.ids = ids[p.ws], ids[q.ws]
    assert len(p.ids) == 1900 + 301 + 213 + 611 + 27
    assert len(set(p.ids)) == len(p.ids)
    print(f"\nbulk: {len(p.ids) + len(q.ids)} webhooks in {elapsed:.1f}s")
    # The checks below compare statuses: let the queue consume everything first.
    wait_queue_drained(srv, [p.ws, q.ws])
    return SimpleNamespace(p=p, q=q)


def expected_ids(srv: Server, ws: str, where: str = "", params=()) -> list[int]:
    rows = srv.query(f"SELECT id FROM universal_webhook_log WHERE workspace_id = ? {where} "
                     "ORDER BY id DESC", (ws, *params))
    return [r["id"] for r in rows]


def walk(srv: Server, token: str, params: dict, limit: int = 500, max_pages: int = 50):
    pages = []
    cursor = None
    for _ in range(max_pages):
        q = dict(params, limit=str(limit))
        if cursor is not None:
            q["cursor"] = cursor
        r = ui_get(srv, "/ui/webhooks", token, params=q)
        assert r.status_code == 200, f"GET /ui/webhooks {q}: {r.status_code} {r.text[:300]}"
        body = r.json()
        items = body["items"]
        assert len(items) <= limit, f"{q}: {len(items)} items for limit {limit}"
        pages.append(items)
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor, f"{q}: next_cursor {cursor!r}"
        assert len(items) == limit, f"{q}: a short page ({len(items)}) with a next_cursor"
    else:
        raise AssertionError(f"{params}: more than {max_pages} pages")
    return pages


def check_walk(srv, token, ws, params, expected, *, limit=500, item_check=None):
    pages = walk(srv, token, params, limit=limit)
    what = f"GET /ui/webhooks {params} limit={limit}"
    seen = set()
    flat = []
    for n, page in enumerate(pages):
        page_ids = [i["id"] for i in page]
        assert page_ids == sorted(page_ids, reverse=True), f"{what}: page {n} not newest first"
        assert not seen & set(page_ids), f"{what}: page {n} repeats ids {sorted(seen & set(page_ids))[:10]}"
        seen |= set(page_ids)
        flat.extend(page)
        for item in page:
            assert item["workspace_id"] == ws, f"{what}: another workspace's row {item}"
            if item_check:
                item_check(item)
    flat_ids = [i["id"] for i in flat]
    assert flat_ids == sorted(flat_ids, reverse=True), f"{what}: pages not in descending order"
    missing = set(expected) - seen
    extra = seen - set(expected)
    assert not missing and not extra, \
        f"{what}: {len(missing)} missing (e.g. {sorted(missing)[:5]}), {len(extra)} extra " \
        f"(e.g. {sorted(extra)[:5]})"
    assert flat_ids == expected
    if expected:
        full_pages = -(-len(expected) // limit)
        assert len(pages) == full_pages, f"{what}: {len(pages)} pages for {len(expected)} rows"
    return flat


def test_pagination_without_filter(srv, bulk):
    p, q = bulk.p, bulk.q
    expected = expected_ids(srv, p.ws)
    assert sorted(expected) == sorted(p.ids), "the log does not hold exactly the accepted rows"
    assert len(expected) > 3000
    flat = check_walk(srv, p.admin, p.ws, {}, expected)
    assert not set(i["id"] for i in flat) & set(q.ids), "workspace Q's rows listed for P"
    # Q's ids interleave with P's, so a cursor bug that ignores the workspace would show.
    assert min(q.ids) < max(p.ids) and max(q.ids) > min(p.ids)
    # The installation token walks the same; Q sees only its own.
    check_walk(srv, p.install_token, p.ws, {}, expected)
    check_walk(srv, q.admin, q.ws, {}, expected_ids(srv, q.ws))
    # The default page size is 50.
    r = ui_get(srv, "/ui/webhooks", p.admin)
    assert [i["id"] for i in r.json()["items"]] == expected[:50]


def test_pagination_with_filters(srv, bulk):
    p = bulk.p
    cases = [
        ({"event_type": "order.paid"}, "AND event_type = ?", ("order.paid",)),
        ({"source": "CUSTOM"}, "AND source = ?", ("CUSTOM",)),
        ({"source": "CLOCKIFY"}, "AND source = ?", ("CLOCKIFY",)),
        ({"source": "pg-beta"}, "AND custom_source = ?", ("pg-beta",)),
        ({"status": "skipped_inactive"}, "AND status = ?", ("skipped_inactive",)),
        ({"status": "processed", "source": "pg-alpha", "event_type": "order.created"},
         "AND status = ? AND custom_source = ? AND event_type = ?",
         ("processed", "pg-alpha", "order.created")),
        ({"event_type": "pg-alpha"}, "AND event_type = ?", ("pg-alpha",)),
        ({"source": "CLOCKIFY", "event_type": "NEW_TAG"}, "AND source = ? AND event_type = ?",
         ("CLOCKIFY", "NEW_TAG")),
    ]
    for params, where, args in cases:
        expected = expected_ids(srv, p.ws, where, args)
        assert expected, f"{params}: the bulk set has no such rows"

        def item_check(item, params=params):
            for k, v in params.items():
                if k == "source" and v not in ("CLOCKIFY", "CUSTOM"):
                    assert item["custom_source"] == v, (params, item)
                else:
                    assert item[k] == v, (params, item)

        check_walk(srv, p.admin, p.ws, params, expected, item_check=item_check)
    # Smaller pages under a filter, too.
    expected = expected_ids(srv, p.ws, "AND custom_source = ?", ("pg-beta",))
    check_walk(srv, p.admin, p.ws, {"source": "pg-beta"}, expected, limit=137)
    # Nothing matches: one empty page.
    for params in ({"event_type": "no.such.event"}, {"source": "no-such-source"},
                   {"status": "error"}):
        pages = walk(srv, p.admin, params)
        assert pages == [[]], f"{params}: {pages[:1]}"


@pytest.mark.parametrize("status", ["bogus", "PROCESSED", "processed ", "received,error"])
def test_unknown_status_filter_is_400(srv, bulk, status):
    r = ui_get(srv, "/ui/webhooks", bulk.p.admin, params={"status": status})
    err = assert_error(r, 400, "validation_failed", f"status={status!r}")
    assert err.get("field") == "status", err
    for known in ("received", "processing", "processed", "error", "skipped_inactive"):
        assert known in err["message"], err


def test_pagination_with_time_window(srv, bulk):
    p = bulk.p
    flat = walk(srv, p.admin, {})
    items = [i for page in flat for i in page]
    times = sorted({parse_ts(i["received_at"]) for i in items})
    # Boundaries between two received_at values at least 2 ms apart, so that no row sits on a
    # boundary (from/to inclusiveness does not matter).
    gaps = [(times[k], times[k + 1]) for k in range(len(times) - 1)
            if times[k + 1] - times[k] >= timedelta(milliseconds=2)]
    assert len(gaps) >= 2, "no gaps between the phases"
    lo = gaps[len(gaps) // 4][0] + timedelta(milliseconds=1)
    hi = gaps[(3 * len(gaps)) // 4][0] + timedelta(milliseconds=1)
    assert lo < hi
    windows = [({"from": fmt_ts(lo)}, lambda t: t >= lo),
               ({"to": fmt_ts(hi)}, lambda t: t < hi),
               ({"from": fmt_ts(lo), "to": fmt_ts(hi)}, lambda t: lo <= t < hi),
               ({"from": fmt_ts(lo), "to": fmt_ts(hi), "source": "pg-alpha"}, None)]
    for params, pred in windows:
        if pred is None:
            expected = [i["id"] for i in items if lo <= parse_ts(i["received_at"]) < hi
                        and i["custom_source"] == "pg-alpha"]
        else:
            expected = [i["id"] for i in items if pred(parse_ts(i["received_at"]))]
        assert 0 < len(expected) < len(items), f"{params}: window selects {len(expected)}"
        check_walk(srv, p.admin, p.ws, params, expected)
    # The ISO-8601 form with an offset names the same instant.
    r = ui_get(srv, "/ui/webhooks", p.admin,
               params={"from": lo.strftime("%Y-%m-%dT%H:%M:%S.") + f"{lo.microsecond // 1000:03d}"
                       "+00:00", "limit": "500"})
    assert r.status_code == 200, r.text


def test_dashboard_counts_after_bulk(srv, bulk):
    p = bulk.p
    r = ui_get(srv, "/ui/dashboard", p.admin)
    assert r.status_code == 200, r.text
    w = r.json()["webhooks_24h"]
    rows = srv.query("SELECT status, event_type, source FROM universal_webhook_log "
                     "WHERE workspace_id = ?", (p.ws,))
    assert w["total"] == len(rows) == len(p.ids), w["total"]

    def count(col):
        out = {}
        for row in rows:
            out[row[col]] = out.get(row[col], 0) + 1
        return out

    assert w["by_status"] == count("status") == {"processed": len(p.ids) - 213,
                                                  "skipped_inactive": 213}, w["by_status"]
    assert w["by_event_type"] == count("event_type"), w["by_event_type"]
    assert w["by_source"] == {"CUSTOM": 1900 + 213 + 611, "CLOCKIFY": 301 + 27}, w["by_source"]


# --------------------------------------------------------------------------------------------
# Isolation: workspace A against workspace B's things
# --------------------------------------------------------------------------------------------
def test_isolation_every_endpoint(srv, a, b):
    b_sources = source_names(srv, b.admin)
    assert "b-only" in b_sources
    for what, token in (("A admin", a.admin), ("A owner", a.owner),
                        ("A installation token", a.install_token)):
        # B's webhook by id: 404, nothing of it in the answer.
        r = ui_get(srv, f"/ui/webhooks/{b.webhook_id}", token)
        assert_error(r, 404, "not_found", f"{what}: B's webhook")
        assert b"private payload" not in r.content
        # B's custom source: DELETE is 404 and the source survives.
        assert_error(ui_delete(srv, "/ui/custom-sources/b-only", token), 404, "not_found",
                     f"{what}: DELETE B's source")
        assert source_names(srv, b.admin) == b_sources, f"{what}: B's sources changed"
        # A's lists never show B's things.
        assert "b-only" not in source_names(srv, token)
        r = ui_get(srv, "/ui/webhooks", token, params={"limit": "500"})
        assert r.status_code == 200, r.text
        assert all(i["workspace_id"] == a.ws for i in r.json()["items"])
        assert b.webhook_id not in {i["id"] for i in r.json()["items"]}
        for params in ({"source": "b-only"}, {"event_type": "b.event"}):
            r = ui_get(srv, "/ui/webhooks", token, params=params)
            assert r.status_code == 200 and r.json()["items"] == [], f"{what} {params}: {r.text}"
        r = ui_get(srv, "/ui/dashboard", token)
        assert r.status_code == 200, r.text
        d = r.json()
        assert d["workspace_id"] == a.ws
        assert "b.event" not in d["webhooks_24h"]["by_event_type"]
        assert "b-only" not in json.dumps(d["custom_sources"])
        # Naming B in the query: 403 on every endpoint.
        for name in ("workspace_id", "workspaceId"):
            for method, path, body in every_ui_call(webhook_id=b.webhook_id):
                r = call(srv, method, path, body, token=token, params={name: b.ws})
                assert_error(r, 403, "forbidden", f"{what}: {method} {path}?{name}=B")
        # ... and in the create body.
        r = create_custom_source(srv, token, None,
                                 body={"source": "sneaky", "open": True, "workspace_id": b.ws})
        assert_error(r, 403, "forbidden", f"{what}: POST with workspace_id B in the body")
        assert "sneaky" not in source_names(srv, b.admin)
        assert "sneaky" not in source_names(srv, a.admin)
    # B's own source still works after all that.
    assert_accepted(send_custom(srv, "b-only", b'{"still":"here"}', workspace=b.ws,
                                secret=b.secret), "B's source after A's attempts")
    # The same source name in both workspaces: A deleting its own leaves B's.
    created(srv, a.admin, "shared-name", open_source=True)
    r = ui_delete(srv, "/ui/custom-sources/shared-name", a.admin)
    assert r.status_code == 204, r.text
    assert "shared-name" in source_names(srv, b.admin)
    # Naming the own workspace is fine.
    for name in ("workspace_id", "workspaceId"):
        r = ui_get(srv, "/ui/webhooks", a.admin, params={name: a.ws})
        assert r.status_code == 200, f"?{name}=own: {r.status_code} {r.text[:200]}"


def test_isolation_for_a_reading_user(everyone, minter):
    ta, tb = tenant(everyone, minter), tenant(everyone, minter)
    created(everyone, tb.admin, "b-src", open_source=True)
    bid = assert_accepted(send_custom(everyone, "b-src", b'{"b":1}', workspace=tb.ws), "B")
    assert_error(ui_get(everyone, f"/ui/webhooks/{bid}", ta.user), 404, "not_found",
                 "USER of A, B's webhook")
    assert_error(ui_delete(everyone, "/ui/custom-sources/b-src", ta.user), 403, "forbidden",
                 "USER of A, DELETE B's source")
    for path in UI_GETS:
        assert_error(ui_get(everyone, path, ta.user, params={"workspace_id": tb.ws}), 403,
                     "forbidden", f"USER of A, {path}?workspace_id=B")
    assert source_names(everyone, tb.admin) == {"b-src"}
