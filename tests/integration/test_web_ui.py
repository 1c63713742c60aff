"""The web UI's server side (SPEC §4.1 GET /ui, §4.4): the page and its files served from the
binary with a strict CSP and cache headers, the JSONPath preview the flow builder uses, and the
dashboard's hourly counts. The pages themselves are tested in a browser (tests/browser/)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import (REPO, Server, assert_accepted, assert_error, create_custom_source, http,
                      install, new_workspace, sample_for, send_custom, ui_get, user_token)

WEB = REPO / "web"


@pytest.fixture(scope="module")
def srv(make_server) -> Server:
    s = make_server(name="web")
    yield s
    if s.running:
        s.stop()


def asset_base(server: Server) -> str:
    html = server.get("/ui").text
    m = re.search(r'href="(/ui/static/[0-9a-f]{16})/app\.css"', html)
    assert m, f"no stylesheet link in the page: {html[:400]}"
    return m.group(1)


def test_page_is_the_embedded_index_with_its_asset_base(srv):
    r = srv.get("/ui")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    # Its URL carries the user's token: no cache keeps it.
    assert r.headers["Cache-Control"] == "no-store"
    base = asset_base(srv)
    # Byte for byte the file in web/, with only the placeholder replaced.
    assert r.text == (WEB / "index.html").read_text().replace("%ASSET_BASE%", base)
    assert "%ASSET_BASE%" not in r.text
    # The page needs no token: it reads it in the browser. HEAD and a trailing slash work too.
    assert srv.get("/ui/").text == r.text
    head = http().head(srv.url("/ui"), timeout=15)
    assert head.status_code == 200 and head.content == b""


def test_security_headers_and_a_strict_csp(srv):
    base = asset_base(srv)
    for path in ("/ui", base + "/js/main.js", base + "/app.css"):
        r = srv.get(path)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
        assert directives["default-src"] == ["'none'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["connect-src"] == ["'self'"]
        assert "https://*.clockify.me" in directives["frame-ancestors"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_every_file_of_web_is_served_with_its_type_and_cached_for_good(srv):
    base = asset_base(srv)
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}
    files = [p for p in WEB.rglob("*") if p.is_file() and p.name != "index.html"]
    assert len(files) >= 10
    for f in files:
        rel = f.relative_to(WEB).as_posix()
        r = srv.get(f"{base}/{rel}")
        assert r.status_code == 200, rel
        assert r.content == f.read_bytes(), rel
        assert r.headers["Content-Type"] == types[f.suffix], rel
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable", rel
        etag = r.headers["ETag"]
        again = srv.get(f"{base}/{rel}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", rel
        assert srv.get(f"{base}/{rel}", headers={"If-None-Match": '"other"'}).status_code == 200


def test_unknown_files_and_other_versions(srv):
    base = asset_base(srv)
    assert_error(srv.get(f"{base}/js/nope.js"), 404, "not_found")
    assert_error(srv.get(f"{base}/../app.css"), 404, "not_found")
    # A page from another build still gets the current files, but not cached for good.
    r = srv.get("/ui/static/0000000000000000/app.css")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-cache"
    # The UI API is untouched by the static route.
    assert_error(srv.get("/ui/dashboard"), 401, "unauthenticated")


# ---- POST /ui/jsonpath/preview -----------------------------------------------------------------

@pytest.fixture(scope="module")
def tenant(srv, minter):
    ws = new_workspace()
    inst = install(srv, minter, ws, ["NEW_PROJECT", "NEW_TAG"])
    body = sample_for("NEW_PROJECT", ws)
    webhook_id = assert_accepted(srv.send_webhook("NEW_PROJECT", body, inst["NEW_PROJECT"]))
    return {"ws": ws, "inst": inst, "admin": user_token(minter, ws, "ADMIN"),
            "webhook_id": webhook_id, "payload": json.loads(body)}


def preview(srv, token, body):
    return srv.post("/ui/jsonpath/preview", json_body=body, headers={"X-Addon-Token": token})


def test_preview_selects_from_a_stored_webhook(srv, tenant):
    payload = tenant["payload"]
    r = preview(srv, tenant["admin"], {"path": "$.name", "webhook_id": tenant["webhook_id"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"count": 1, "singular": True, "truncated": False,
                        "nodes": [{"path": "$['name']", "value": payload["name"]}]}
    # Every top-level member with its normalized path (RFC 9535 leaves the order of an object's
    # members open).
    r = preview(srv, tenant["admin"], {"path": "$.*", "webhook_id": tenant["webhook_id"]})
    out = r.json()
    assert out["singular"] is False
    assert out["count"] == len(payload) < 50
    assert {n["path"]: n["value"] for n in out["nodes"]} == {f"$['{k}']": v for k, v in payload.items()}


def test_preview_evaluates_the_condition_like_flows(srv, tenant):
    name = tenant["payload"]["name"]
    base = {"path": "$.name", "webhook_id": tenant["webhook_id"]}
    cases = [("==", name, True), ("==", name + "x", False), ("!=", name + "x", True),
             ("contains", name[:3], True), ("in", [name, "other"], True), ("in", ["other"], False),
             ("matches", "^" + re.escape(name) + "$", True), ("exists", None, True)]
    for op, value, passed in cases:
        body = dict(base, operator=op)
        if value is not None:
            body["value"] = value
        r = preview(srv, tenant["admin"], body)
        assert r.status_code == 200, r.text
        assert r.json()["passed"] is passed, (op, value)
    r = preview(srv, tenant["admin"], {"path": "$.nothing", "webhook_id": tenant["webhook_id"],
                                       "operator": "not_exists"})
    assert r.json()["count"] == 0 and r.json()["passed"] is True


def test_preview_on_a_given_payload_and_truncation(srv, tenant):
    r = preview(srv, tenant["admin"], {"path": "$[*]", "payload": list(range(70))})
    out = r.json()
    assert out["count"] == 70 and out["truncated"] is True
    assert [n["value"] for n in out["nodes"]] == list(range(50))


def test_json_nested_too_deep_is_refused_everywhere_and_the_server_stays_up(srv, tenant):
    # nlohmann recurses: 100,000 levels used to be accepted as a webhook and then crash the
    # server (stack overflow) whenever the webhook was opened, previewed or tested.
    deep = b"[" * 100000 + b"]" * 100000
    t = tenant["admin"]
    r = srv.send_webhook("NEW_PROJECT", deep, tenant["inst"]["NEW_PROJECT"])
    err = assert_error(r, 400, "invalid_json", "deep Clockify webhook")
    assert "nested deeper than 256 levels" in err["message"], err
    assert create_custom_source(srv, t, "deep-json", open_source=True).status_code == 201
    r = send_custom(srv, "deep-json", deep, workspace=tenant["ws"])
    assert "nested deeper than 256" in assert_error(r, 400, "invalid_json", "deep custom")["message"]
    body = b'{"path":"$","payload":' + deep + b"}"
    r = srv.post("/ui/jsonpath/preview", data=body, headers={"X-Addon-Token": t})
    assert_error(r, 400, "invalid_json", "deep preview payload")
    body = b'{"operation_id":"createNewProject","parameters":{"body":' + deep + b"}}"
    r = srv.post("/ui/api-explorer/execute", data=body, headers={"X-Addon-Token": t})
    assert_error(r, 400, "invalid_json", "deep explorer body")
    # At the bound it is an ordinary webhook: stored, consumed, opened.
    edge = b"[" * 256 + b"]" * 256
    wid = assert_accepted(srv.send_webhook("NEW_PROJECT", edge, tenant["inst"]["NEW_PROJECT"]))
    r = srv.get(f"/ui/webhooks/{wid}", headers={"X-Addon-Token": t})
    assert r.status_code == 200, r.text[:300]
    assert json.dumps(r.json()["payload"], separators=(",", ":")) == edge.decode()
    r = preview(srv, t, {"path": "$[0][0]", "webhook_id": wid})
    assert r.status_code == 200 and r.json()["count"] == 1, r.text[:300]
    assert srv.get("/healthz").status_code == 200


def test_preview_refuses_bad_input_clearly(srv, tenant, minter):
    t = tenant["admin"]
    err = assert_error(preview(srv, t, {"path": "$[", "webhook_id": tenant["webhook_id"]}), 400,
                       "invalid_jsonpath")
    assert err["field"] == "path" and "position" in err["message"]
    assert assert_error(preview(srv, t, {"webhook_id": 1}), 400, "validation_failed")["field"] == "path"
    assert assert_error(preview(srv, t, {"path": "$"}), 400, "validation_failed")["field"] == "webhook_id"
    assert assert_error(preview(srv, t, {"path": "$", "webhook_id": "1"}), 400,
                        "validation_failed")["field"] == "webhook_id"
    assert_error(preview(srv, t, {"path": "$", "webhook_id": 999999}), 404, "not_found")
    err = assert_error(preview(srv, t, {"path": "$.name", "payload": {}, "operator": "~~"}), 400,
                       "invalid_condition")
    assert "operator" in err["field"]
    r = srv.post("/ui/jsonpath/preview", data=b"{", headers={"X-Addon-Token": t})
    assert_error(r, 400, "invalid_json")
    assert_error(srv.post("/ui/jsonpath/preview", json_body={"path": "$", "payload": 1}), 401,
                 "unauthenticated")
    # Another workspace's webhook is not found, not leaked.
    other = new_workspace()
    install(srv, minter, other, ["NEW_TAG"])
    r = preview(srv, user_token(minter, other, "ADMIN"),
                {"path": "$", "webhook_id": tenant["webhook_id"]})
    assert_error(r, 404, "not_found")


# ---- Dashboard: webhooks per hour ------------------------------------------------------------

def test_dashboard_counts_webhooks_per_clock_hour(srv, minter):
    ws = new_workspace()
    inst = install(srv, minter, ws, ["NEW_TAG"])
    sent = 0
    for i in range(3):
        assert_accepted(srv.send_webhook("NEW_TAG", sample_for("NEW_TAG", ws, n=i), inst["NEW_TAG"]))
        sent += 1
    now = datetime.now(timezone.utc)
    r = ui_get(srv, "/ui/dashboard", user_token(minter, ws, "ADMIN"))
    assert r.status_code == 200, r.text
    by_hour = r.json()["webhooks_24h"]["by_hour"]
    start = datetime.fromisoformat(by_hour["start"].replace("Z", "+00:00"))
    # 24 whole clock hours ending with the current one.
    assert start.minute == 0 and start.second == 0
    expected_start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    assert start in (expected_start, expected_start - timedelta(hours=1))
    counts = by_hour["counts"]
    assert len(counts) == 24 and sum(counts) == sent == r.json()["webhooks_24h"]["total"]
    assert counts[-1] == sent or (counts[-2] + counts[-1] == sent)
