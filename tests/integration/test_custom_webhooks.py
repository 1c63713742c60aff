"""Custom webhooks (SPEC §4.3 `POST /webhooks/custom/{source}`, §4.4 custom sources; issue 3).

Sources are created through `POST /ui/custom-sources`; signed sources need a valid Standard
Webhooks signature; every refusal gets the spec's status and code and stores nothing (checked in
the SQLite file); a repeated `webhook-id` is stored once. Every secret received is recorded, so the
no-secrets check (test_no_secrets.py) covers every response and log line of these tests."""
from __future__ import annotations

import base64
import json
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from conftest import (WEBHOOK_SECRET_PREFIX, Server, assert_accepted, assert_error, assert_status,
                      create_custom_source, install, new_workspace, send_custom, sign_custom,
                      ui_delete, ui_get, user_token)


def custom_row(server: Server, row_id: int):
    rows = server.query(
        "SELECT id, workspace_id, event_type, source, custom_source, content_type, status, "
        "CAST(payload_json AS BLOB) AS payload, headers_json FROM universal_webhook_log "
        "WHERE id = ?", (row_id,))
    return rows[0] if rows else None


def check_custom_row(server: Server, row_id: int, *, body: bytes, workspace: str, source: str,
                     event_type: str | None = None, content_type: str = "application/json",
                     status: str = "received", secret: str | None = None):
    row = custom_row(server, row_id)
    assert row is not None, f"id {row_id} was acknowledged but is not in the database"
    assert bytes(row["payload"]) == body, \
        f"stored payload {bytes(row['payload'])[:200]!r} differs from the bytes sent {body[:200]!r}"
    assert row["workspace_id"] == workspace
    assert row["source"] == "CUSTOM", row["source"]
    assert row["custom_source"] == source, row["custom_source"]
    assert row["event_type"] == (event_type or source), row["event_type"]
    assert row["content_type"] == content_type, row["content_type"]
    assert_status(row["status"], status, "custom row")
    headers = {k.lower(): v for k, v in json.loads(row["headers_json"]).items()}
    assert headers.get("x-webhook-source") == source, headers
    if "webhook-signature" in headers:
        assert headers["webhook-signature"] == "[redacted]", headers
    if secret:
        assert secret not in row["headers_json"]
        assert secret[len(WEBHOOK_SECRET_PREFIX):] not in row["headers_json"]
    return row


def refused(server: Server, send, status: int, code: str, what: str):
    """Calls send(); expects the error and no new row anywhere in the log."""
    before = server.log_count()
    resp = send()
    err = assert_error(resp, status, code, what)
    assert server.log_count() == before, f"{what}: a refused webhook was stored"
    return err


def body_for(tag: str, **extra) -> bytes:
    return json.dumps({"event": "test", "tag": tag, "nonce": uuid.uuid4().hex, **extra}).encode()


def new_source(server: Server, token: str, name: str, *, open_source=False) -> dict:
    resp = create_custom_source(server, token, name, open_source=open_source)
    assert resp.status_code == 201, f"create {name}: {resp.status_code} {resp.text[:300]}"
    return resp.json()


@pytest.fixture(scope="module")
def world(server: Server, minter):
    ws = new_workspace()
    inst = install(server, minter, ws, ["NEW_PROJECT"])
    admin = user_token(minter, ws, "ADMIN")
    github = new_source(server, admin, "github")
    other = new_source(server, admin, "other-signed")
    opened = new_source(server, admin, "open.src_1", open_source=True)
    return SimpleNamespace(ws=ws, inst=inst, admin=admin, secret=github["secret"],
                           other_secret=other["secret"], github=github, opened=opened)


# --------------------------------------------------------------------------------------------
# Creating sources
# --------------------------------------------------------------------------------------------
def test_created_source_shows_a_standard_webhooks_secret_once(server, world):
    g = world.github
    assert g["source"] == "github" and g["open"] is False, g
    assert g["url"].endswith("/webhooks/custom/github"), g["url"]
    assert g["url"].startswith("http://127.0.0.1:8001"), f"url not from BASE_URL: {g['url']}"
    assert g.get("created_at"), g
    assert isinstance(g.get("note"), str) and g["note"], g
    secret = g["secret"]
    assert secret.startswith(WEBHOOK_SECRET_PREFIX), secret[:6]
    key = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX):], validate=True)
    assert len(key) >= 24, f"the secret carries only {len(key)} bytes"
    assert world.other_secret != secret, "two sources got the same secret"

    o = world.opened
    assert o["open"] is True and o.get("secret") is None, f"open source got a secret: {o.keys()}"

    r = ui_get(server, "/ui/custom-sources", world.admin)
    assert r.status_code == 200, r.text
    listed = {i["source"]: i for i in r.json()["items"]}
    assert set(listed) == {"github", "other-signed", "open.src_1"}, listed
    for item in listed.values():
        assert "secret" not in item, item
    assert WEBHOOK_SECRET_PREFIX not in r.text


# --------------------------------------------------------------------------------------------
# Accepted
# --------------------------------------------------------------------------------------------
def test_valid_signature_is_accepted_and_stored(server, world):
    body = body_for("valid")
    resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret)
    row_id = assert_accepted(resp, "signed custom webhook")
    assert "duplicate" not in resp.json(), resp.text
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="github",
                     secret=world.secret)


def test_event_type_header_and_charset(server, world):
    body = body_for("typed")
    resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret,
                       event_type="push", content_type="application/json; charset=utf-8")
    row_id = assert_accepted(resp, "X-Event-Type")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="github",
                     event_type="push")


def test_timestamp_inside_the_window_and_several_signatures(server, world):
    body = body_for("window")
    ts = int(time.time()) - 200
    resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret,
                       timestamp=ts)
    assert_accepted(resp, "timestamp 200 s old")
    # Standard Webhooks: the header may carry several space-separated signatures (key rotation).
    body = body_for("rotation")
    msg_id = f"msg_{uuid.uuid4().hex}"
    ts = int(time.time())
    good = sign_custom(world.secret, msg_id, ts, body)
    bad = sign_custom(world.other_secret, msg_id, ts, body)
    resp = send_custom(server, "github", body, workspace=world.ws, msg_id=msg_id, timestamp=ts,
                       signature=f"{bad} {good}")
    assert_accepted(resp, "two signatures, the second valid")


def test_any_json_value_is_accepted(server, world):
    for body in (b'[1, 2, {"a": null}]', b'"just a string"', b"42"):
        resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret)
        row_id = assert_accepted(resp, f"JSON value {body!r}")
        check_custom_row(server, row_id, body=body, workspace=world.ws, source="github")


def test_form_body_is_stored_raw(server, world):
    body = urlencode({"a": "1", "b": "x y", "c": "ä&="}).encode()
    resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret,
                       content_type="application/x-www-form-urlencoded")
    row_id = assert_accepted(resp, "form body")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="github",
                     content_type="application/x-www-form-urlencoded")
    r = ui_get(server, f"/ui/webhooks/{row_id}", world.admin)
    assert r.status_code == 200, r.text
    assert r.json()["payload"] == {"a": "1", "b": "x y", "c": "ä&="}, r.json()["payload"]


def test_workspace_from_the_body(server, world):
    body = body_for("body-ws", workspaceId=world.ws)
    resp = send_custom(server, "github", body, workspace=None, secret=world.secret)
    row_id = assert_accepted(resp, "workspace from the body's workspaceId")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="github")


def test_header_workspace_wins_over_the_body(server, world, minter):
    other_ws = new_workspace()
    install(server, minter, other_ws, ["NEW_PROJECT"])
    body = body_for("header-wins", workspaceId=other_ws)
    resp = send_custom(server, "github", body, workspace=world.ws, secret=world.secret)
    row_id = assert_accepted(resp, "X-Workspace-Id and a body naming another workspace")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="github")


def test_open_source_needs_no_signature(server, world):
    body = body_for("open")
    resp = send_custom(server, "open.src_1", body, workspace=world.ws, event_type="open.event")
    row_id = assert_accepted(resp, "open source, unsigned")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source="open.src_1",
                     event_type="open.event")


def test_source_name_of_64_characters(server, world):
    name = "a" * 30 + "B9._-" + "z" * 29
    assert len(name) == 64
    src = new_source(server, world.admin, name)
    body = body_for("64")
    resp = send_custom(server, name, body, workspace=world.ws, secret=src["secret"])
    row_id = assert_accepted(resp, "64-character source")
    check_custom_row(server, row_id, body=body, workspace=world.ws, source=name)


def test_inactive_installation_stores_skipped_inactive(server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    secret = new_source(server, user_token(minter, ws, "OWNER"), "github")["secret"]
    r = server.lifecycle("status-changed", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                                "status": "INACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    body = body_for("inactive")
    row_id = assert_accepted(send_custom(server, "github", body, workspace=ws, secret=secret),
                             "INACTIVE installation")
    check_custom_row(server, row_id, body=body, workspace=ws, source="github",
                     status="skipped_inactive")
    r = server.lifecycle("status-changed", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                                "status": "ACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    body = body_for("active-again")
    row_id = assert_accepted(send_custom(server, "github", body, workspace=ws, secret=secret),
                             "ACTIVE again")
    check_custom_row(server, row_id, body=body, workspace=ws, source="github")


# --------------------------------------------------------------------------------------------
# De-duplication on webhook-id
# --------------------------------------------------------------------------------------------
def test_same_webhook_id_twice_is_one_row(server, world):
    body = body_for("dedup")
    msg_id = f"msg_{uuid.uuid4().hex}"
    ts = int(time.time())
    first = send_custom(server, "github", body, workspace=world.ws, secret=world.secret,
                        msg_id=msg_id, timestamp=ts)
    first_id = assert_accepted(first, "first delivery")
    assert "duplicate" not in first.json(), first.text
    before = server.log_count()
    again = send_custom(server, "github", body, workspace=world.ws, secret=world.secret,
                        msg_id=msg_id, timestamp=ts)
    assert assert_accepted(again, "identical retry") == first_id, again.text
    assert again.json().get("duplicate") is True, again.text
    # A retry signed later, and even with another body, is still the same message.
    later = send_custom(server, "github", body_for("dedup-other-body"), workspace=world.ws,
                        secret=world.secret, msg_id=msg_id, timestamp=ts + 1)
    assert assert_accepted(later, "retry with the same webhook-id") == first_id, later.text
    assert later.json().get("duplicate") is True, later.text
    assert server.log_count() == before, "a duplicate was stored"
    n = server.query("SELECT COUNT(*) AS n FROM universal_webhook_log "
                     "WHERE CAST(payload_json AS BLOB) = ?", (body,))[0]["n"]
    assert n == 1


def test_same_webhook_id_other_source_or_workspace_is_new(server, world, minter):
    msg_id = f"msg_{uuid.uuid4().hex}"
    a = assert_accepted(send_custom(server, "github", body_for("d1"), workspace=world.ws,
                                    secret=world.secret, msg_id=msg_id), "github")
    b = assert_accepted(send_custom(server, "other-signed", body_for("d2"), workspace=world.ws,
                                    secret=world.other_secret, msg_id=msg_id), "other source")
    ws2 = new_workspace()
    install(server, minter, ws2, ["NEW_PROJECT"])
    secret2 = new_source(server, user_token(minter, ws2, "ADMIN"), "github")["secret"]
    r = send_custom(server, "github", body_for("d3"), workspace=ws2, secret=secret2, msg_id=msg_id)
    c = assert_accepted(r, "other workspace")
    assert "duplicate" not in r.json(), r.text
    assert len({a, b, c}) == 3, (a, b, c)


def test_open_source_dedups_on_webhook_id(server, world):
    msg_id = f"msg_{uuid.uuid4().hex}"
    first = assert_accepted(send_custom(server, "open.src_1", body_for("o1"), workspace=world.ws,
                                        msg_id=msg_id), "open, webhook-id")
    before = server.log_count()
    again = send_custom(server, "open.src_1", body_for("o1"), workspace=world.ws, msg_id=msg_id)
    assert assert_accepted(again, "open, same webhook-id") == first
    assert again.json().get("duplicate") is True, again.text
    assert server.log_count() == before


# --------------------------------------------------------------------------------------------
# Refused: nothing stored
# --------------------------------------------------------------------------------------------
def test_wrong_signatures(server, world):
    ws, secret = world.ws, world.secret
    body = body_for("wrong")
    refused(server, lambda: send_custom(server, "github", body, workspace=ws,
                                        secret=world.other_secret),
            401, "invalid_signature", "signed with another source's secret")
    msg_id, ts = f"msg_{uuid.uuid4().hex}", int(time.time())
    good = sign_custom(secret, msg_id, ts, body)
    refused(server, lambda: send_custom(server, "github", body + b" ", workspace=ws,
                                        msg_id=msg_id, timestamp=ts, signature=good),
            401, "invalid_signature", "body changed after signing")
    refused(server, lambda: send_custom(server, "github", body, workspace=ws, msg_id=msg_id,
                                        timestamp=ts + 1, signature=good),
            401, "invalid_signature", "timestamp changed after signing")
    refused(server, lambda: send_custom(server, "github", body, workspace=ws,
                                        msg_id=msg_id + "x", timestamp=ts, signature=good),
            401, "invalid_signature", "webhook-id changed after signing")
    raw = base64.b64decode(good[3:])
    flipped = "v1," + base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode()
    refused(server, lambda: send_custom(server, "github", body, workspace=ws, msg_id=msg_id,
                                        timestamp=ts, signature=flipped),
            401, "invalid_signature", "one bit of the signature flipped")
    refused(server, lambda: send_custom(server, "github", body, workspace=ws, msg_id=msg_id,
                                        timestamp=ts, signature="v2," + good[3:]),
            401, "invalid_signature", "unknown signature version")
    refused(server, lambda: send_custom(server, "github", body, workspace=ws, msg_id=msg_id,
                                        timestamp=ts, signature="v1,"),
            401, "invalid_signature", "empty signature")


@pytest.mark.parametrize("offset", [-301 - 60, -3600, 400, 86400])
def test_stale_or_future_timestamp(server, world, offset):
    body = body_for(f"ts{offset}")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, timestamp=int(time.time()) + offset),
            401, "invalid_signature", f"timestamp {offset:+d} s")


def test_timestamp_not_unix_seconds(server, world):
    body = body_for("ts-iso")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, timestamp="2026-01-01T00:00:00Z"),
            401, "invalid_signature", "ISO timestamp")


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature",
                                     "all"])
def test_missing_signature_headers(server, world, missing):
    body = body_for(f"missing-{missing}")
    drop = ["webhook-id", "webhook-timestamp", "webhook-signature"] if missing == "all" \
        else [missing]
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, drop=drop),
            401, "invalid_signature", f"without {missing}")


def test_unknown_source_is_refused(server, world):
    body = body_for("unknown")
    refused(server, lambda: send_custom(server, "never-created", body, workspace=world.ws),
            401, "invalid_signature", "unsigned call to an unknown source")
    refused(server, lambda: send_custom(server, "never-created", body, workspace=world.ws,
                                        secret=world.secret),
            401, "invalid_signature", "signed call to an unknown source")


def test_unsigned_call_to_a_source_with_a_secret(server, world):
    body = body_for("unsigned")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws),
            401, "invalid_signature", "unsigned call to a source with a secret")


def test_deleted_source_is_refused(server, world):
    src = new_source(server, world.admin, "short-lived")
    body = body_for("deleted")
    assert_accepted(send_custom(server, "short-lived", body, workspace=world.ws,
                                secret=src["secret"]), "before delete")
    r = ui_delete(server, "/ui/custom-sources/short-lived", world.admin)
    assert r.status_code == 204, f"{r.status_code} {r.text}"
    refused(server, lambda: send_custom(server, "short-lived", body_for("deleted2"),
                                        workspace=world.ws, secret=src["secret"]),
            401, "invalid_signature", "signed with the secret of a deleted source")


def test_source_of_another_workspace(server, world, minter):
    ws2 = new_workspace()
    install(server, minter, ws2, ["NEW_PROJECT"])
    secret2 = new_source(server, user_token(minter, ws2, "ADMIN"), "only-in-b")["secret"]
    # The source exists, but for ws2: a call for world.ws is an unknown source.
    refused(server, lambda: send_custom(server, "only-in-b", body_for("cross"),
                                        workspace=world.ws, secret=secret2),
            401, "invalid_signature", "another workspace's source and secret")
    # ws2's "github" does not exist; world.ws's secret does not open it.
    refused(server, lambda: send_custom(server, "github", body_for("cross2"), workspace=ws2,
                                        secret=world.secret),
            401, "invalid_signature", "workspace A's secret for workspace B")


def test_source_mismatch(server, world):
    body = body_for("mismatch")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, header_source="gitlab"),
            400, "source_mismatch", "X-Webhook-Source differs")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, header_source="GitHub"),
            400, "source_mismatch", "X-Webhook-Source differs in case")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, header_source=None),
            400, "source_mismatch", "no X-Webhook-Source")


@pytest.mark.parametrize("path", ["a/b", "github/extra", "x" * 65, "bad%20name", "bad!name"],
                         ids=["slash", "slash-after-valid", "65-chars", "space", "bang"])
def test_invalid_source_name(server, world, path):
    body = body_for("invalid-source")
    refused(server, lambda: send_custom(server, path, body, workspace=world.ws,
                                        secret=world.secret, header_source=path),
            400, "invalid_source", f"/webhooks/custom/{path}")


def test_no_workspace(server, world):
    refused(server, lambda: send_custom(server, "open.src_1", body_for("no-ws"), workspace=None),
            400, "validation_failed", "no X-Workspace-Id, no workspaceId")
    refused(server, lambda: send_custom(server, "open.src_1", b"[1,2]", workspace=None),
            400, "validation_failed", "array body, no X-Workspace-Id")


def test_not_installed_workspace(server, world, minter):
    refused(server, lambda: send_custom(server, "open.src_1", body_for("ni"),
                                        workspace=new_workspace()),
            403, "not_installed", "never installed")
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    admin = user_token(minter, ws, "ADMIN")
    src = new_source(server, admin, "github")
    opened = new_source(server, admin, "open", open_source=True)
    assert opened["open"] is True
    assert_accepted(send_custom(server, "open", body_for("pre"), workspace=ws), "before uninstall")
    r = server.lifecycle("uninstalled", ws, {"addonId": "dev-addon", "workspaceId": ws},
                         minter=minter)
    assert r.status_code == 200, r.text
    refused(server, lambda: send_custom(server, "github", body_for("post"), workspace=ws,
                                        secret=src["secret"]),
            403, "not_installed", "uninstalled, signed")
    refused(server, lambda: send_custom(server, "open", body_for("post2"), workspace=ws),
            403, "not_installed", "uninstalled, open source")


def test_workspace_setting_disables_custom_webhooks(server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    admin = user_token(minter, ws, "ADMIN")
    secret = new_source(server, admin, "github")["secret"]
    new_source(server, admin, "open", open_source=True)
    r = server.lifecycle("settings-updated", ws, {"workspaceId": ws, "addonId": "dev-addon",
                         "settings": [{"id": "webhooks.enable_custom_webhooks",
                                       "name": "Custom webhooks", "value": False}]},
                         minter=minter)
    assert r.status_code == 200, r.text
    refused(server, lambda: send_custom(server, "github", body_for("off"), workspace=ws,
                                        secret=secret),
            403, "custom_webhooks_disabled", "workspace setting off, signed")
    refused(server, lambda: send_custom(server, "open", body_for("off2"), workspace=ws),
            403, "custom_webhooks_disabled", "workspace setting off, open source")
    r = server.lifecycle("settings-updated", ws,
                         {"workspaceId": ws, "settings": {"webhooks":
                                                          {"enable_custom_webhooks": True}}},
                         minter=minter)
    assert r.status_code == 200, r.text
    assert_accepted(send_custom(server, "github", body_for("on"), workspace=ws, secret=secret),
                    "workspace setting on again")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_unsupported_media_type(server, world, content_type):
    body = body_for("media")
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret, content_type=content_type),
            415, "unsupported_media_type", content_type)


def test_invalid_json(server, world):
    body = b'{"not": json'
    refused(server, lambda: send_custom(server, "github", body, workspace=world.ws,
                                        secret=world.secret),
            400, "invalid_json", "broken JSON")


def test_server_master_switch_off(make_server, minter):
    srv = make_server(env={"UNIVERSAL_WEBHOOK_WEBHOOK_ENABLE_CUSTOM": "false"}, name="nocustom")
    try:
        ws = new_workspace()
        install(srv, minter, ws, ["NEW_PROJECT"])
        admin = user_token(minter, ws, "ADMIN")
        secret = new_source(srv, admin, "github")["secret"]
        new_source(srv, admin, "open", open_source=True)
        refused(srv, lambda: send_custom(srv, "github", body_for("master"), workspace=ws,
                                         secret=secret),
                403, "custom_webhooks_disabled", "UNIVERSAL_WEBHOOK_WEBHOOK_ENABLE_CUSTOM=false")
        refused(srv, lambda: send_custom(srv, "open", body_for("master2"), workspace=ws),
                403, "custom_webhooks_disabled", "master switch off, open source")
        assert srv.log_count() == 0
    finally:
        srv.stop()
