"""Webhook ingestion (SPEC §4.3, issue 2): every real sample is accepted and stored byte for byte;
bad input gets the spec's status and error code and stores nothing."""
from __future__ import annotations

import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest

from conftest import (Server, assert_accepted, assert_error, assert_status, b64url,
                      forge_signature, install, jwt_parts, new_workspace, sample_bytes,
                      sample_files, sample_for)


# --------------------------------------------------------------------------------------------
# Set-up: one installation per workspace that appears in the samples (each sample is posted with
# a token of the workspace its body names), and one more, with a random id, for the samples whose
# body names no workspace: the workspace of those can only come from the token.
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(server: Server, minter):
    samples = sample_files()
    by_ws: dict[str, list[str]] = {}
    no_ws: list[str] = []
    for event, path in samples.items():
        body = json.loads(path.read_bytes())
        ws = body.get("workspaceId") if isinstance(body, dict) else None
        if isinstance(ws, str) and ws:
            by_ws.setdefault(ws, []).append(event)
        else:
            no_ws.append(event)
    anon = new_workspace()
    by_ws[anon] = list(no_ws)
    installs = {}
    event_ws = {}
    for ws, events in by_ws.items():
        # Every other path is given as a full URL, as Clockify may send it.
        installs[ws] = install(server, minter, ws, events, full_url_every=2)
        for e in events:
            event_ws[e] = ws
    return SimpleNamespace(samples=samples, installs=installs, event_ws=event_ws, no_ws=no_ws,
                           anon=anon)


def token_for(world, event: str) -> str:
    return world.installs[world.event_ws[event]][event]


def variant(event: str, tag: str, workspace: str | None = None) -> bytes:
    """The sample with one extra field, so that each test's body is distinct; with `workspace`,
    a body that names a workspace names that one."""
    return sample_for(event, workspace, _it_case=tag)


def rows_with_payload(server: Server, body: bytes) -> list:
    return server.query(
        "SELECT id, workspace_id, event_type FROM universal_webhook_log "
        "WHERE CAST(payload_json AS BLOB) = ?", (body,))


def check_row(server: Server, row_id: int, *, body: bytes, event: str, workspace: str,
              token: str | None = None, status: str = "received"):
    row = server.log_row(row_id)
    assert row is not None, f"id {row_id} ({event}) was acknowledged but is not in the database"
    assert bytes(row["payload"]) == body, f"{event}: stored payload differs from the bytes sent"
    assert row["event_type"] == event
    assert row["workspace_id"] == workspace, f"{event}: stored for {row['workspace_id']}"
    assert row["source"] == "CLOCKIFY"
    assert_status(row["status"], status, event)
    assert row["received_at"]
    headers = json.loads(row["headers_json"])
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered.get("clockify-signature") == "[redacted]", f"headers_json: {headers}"
    assert lowered.get("clockify-webhook-event-type") == event
    if token:
        assert token not in row["headers_json"]


# --------------------------------------------------------------------------------------------
# Good input
# --------------------------------------------------------------------------------------------
def test_samples_without_workspace_id_exist(world):
    assert len(world.samples) >= 30
    assert world.no_ws, "expected samples whose body has no workspaceId"
    # The task events, invoice events and most user events carry none (CLOCKIFY.md).
    assert {"NEW_TASK", "NEW_INVOICE"} <= set(world.no_ws)


def test_every_sample_is_accepted_and_stored_byte_for_byte(server, world):
    ids = {}
    for event, path in world.samples.items():
        body = path.read_bytes()
        token = token_for(world, event)
        resp = server.send_webhook(event, body, token)
        row_id = assert_accepted(resp, event)
        assert "duplicate" not in resp.json(), \
            f"{event}: first delivery marked duplicate: {resp.text}"
        ids[event] = row_id
        check_row(server, row_id, body=body, event=event, workspace=world.event_ws[event],
                  token=token)
    assert len(set(ids.values())) == len(ids), "two samples got the same id"
    # Events whose body has no workspaceId are stored for the workspace of their token.
    for event in world.no_ws:
        assert server.log_row(ids[event])["workspace_id"] == world.anon


def test_generic_path_without_event_in_path(server, world):
    event = "NEW_PROJECT"
    body = sample_bytes(event) + b"\n"  # byte-different from the sample, still JSON
    resp = server.send_webhook(event, body, token_for(world, event), path_event=None)
    row_id = assert_accepted(resp, "POST /webhooks/clockify")
    check_row(server, row_id, body=body, event=event, workspace=world.event_ws[event])

    event = "NEW_TASK"  # no workspaceId in the body
    body = sample_bytes(event) + b"\n"
    resp = server.send_webhook(event, body, token_for(world, event), path_event=None)
    row_id = assert_accepted(resp, "POST /webhooks/clockify (NEW_TASK)")
    check_row(server, row_id, body=body, event=event, workspace=world.anon)


def test_duplicate_delivery_is_stored_once(server, world):
    event = "NEW_TIME_ENTRY"
    body = variant(event, "duplicate")
    token = token_for(world, event)
    first = assert_accepted(server.send_webhook(event, body, token), "first delivery")
    for how in ("same path", None):
        resp = server.send_webhook(event, body, token,
                                   path_event="same" if how else None)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"status": "accepted", "id": first, "duplicate": True}, resp.text
    assert [r["id"] for r in rows_with_payload(server, body)] == [first]


def test_same_body_other_event_type_is_not_a_duplicate(server, world):
    body = variant("NEW_TAG", "not-duplicate")
    ids = set()
    for event in ("NEW_TAG", "TAG_UPDATED", "TAG_DELETED"):
        resp = server.send_webhook(event, body, token_for(world, event))
        row_id = assert_accepted(resp, event)
        assert "duplicate" not in resp.json(), f"{event}: {resp.text}"
        ids.add(row_id)
    assert len(ids) == 3
    assert len(rows_with_payload(server, body)) == 3


# --------------------------------------------------------------------------------------------
# Bad input: status, error code, and nothing stored
# --------------------------------------------------------------------------------------------
def hand_built(header: dict, payload_b64: str, sig: bytes | str = b"") -> str:
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    s = sig if isinstance(sig, str) else b64url(sig)
    return f"{h}.{payload_b64}.{s}"


def expect_refused(server: Server, resp, status: int, code: str, body: bytes, what: str):
    before_check = rows_with_payload(server, body)
    assert_error(resp, status, code, what)
    assert before_check == [], f"{what}: a row was stored: {[dict(r) for r in before_check]}"


@pytest.fixture(scope="module")
def counted(server):
    """Checks, around a block of refused requests, that the log did not grow."""
    class Counter:
        def __enter__(self):
            self.before = server.log_count()
            return self

        def __exit__(self, *exc):
            if exc[0] is None:
                after = server.log_count()
                assert after == self.before, \
                    f"rows stored by refused requests: {after - self.before}"
    return Counter


def test_unknown_event_type(server, world, counted):
    body = variant("NEW_PROJECT", "unknown-event")
    tok = token_for(world, "NEW_PROJECT")
    with counted():
        r = server.send_webhook("NOT_AN_EVENT", body, tok, path_event=None)
        expect_refused(server, r, 400, "unknown_event_type", body, "unknown header event")
        r = server.send_webhook("NOT_AN_EVENT", body, tok)
        expect_refused(server, r, 400, "unknown_event_type", body, "unknown path+header event")
        r = server.send_webhook("new_project", body, tok, path_event=None)
        expect_refused(server, r, 400, "unknown_event_type", body, "lower-case event")


def test_missing_event_header(server, world, counted):
    body = variant("NEW_PROJECT", "missing-header")
    tok = token_for(world, "NEW_PROJECT")
    with counted():
        r = server.send_webhook(None, body, tok, path_event=None)
        expect_refused(server, r, 400, "unknown_event_type", body, "no header, generic path")
        r = server.send_webhook(None, body, tok, path_event="NEW_PROJECT")
        expect_refused(server, r, 400, "unknown_event_type", body, "no header, event path")


def test_path_header_mismatch(server, world, counted):
    body = variant("NEW_TAG", "mismatch")
    with counted():
        # Header NEW_TAG with its own valid token, but posted to the NEW_PROJECT path.
        r = server.send_webhook("NEW_TAG", body, token_for(world, "NEW_TAG"),
                                path_event="NEW_PROJECT")
        expect_refused(server, r, 400, "event_type_mismatch", body,
                       "path NEW_PROJECT, header NEW_TAG")


def test_missing_signature(server, world, counted):
    body = variant("NEW_PROJECT", "missing-signature")
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, None)
        expect_refused(server, r, 401, "invalid_signature", body, "no clockify-signature")
        r = server.send_webhook("NEW_PROJECT", body, "")
        expect_refused(server, r, 401, "invalid_signature", body, "empty clockify-signature")
        r = server.send_webhook("NEW_PROJECT", body, "not-a-jwt")
        expect_refused(server, r, 401, "invalid_signature", body, "garbage clockify-signature")


def test_forged_signature(server, world, counted):
    body = variant("NEW_PROJECT", "forged")
    forged = forge_signature(token_for(world, "NEW_PROJECT"))
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, forged)
        expect_refused(server, r, 401, "invalid_signature", body, "flipped signature character")


def test_token_signed_by_another_key(server, world, minter, other_keys, counted):
    ws = world.event_ws["NEW_PROJECT"]
    tok = minter.webhook(ws, key=other_keys)
    body = variant("NEW_PROJECT", "other-key")
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, tok)
        expect_refused(server, r, 401, "invalid_signature", body, "token signed by another key")


def test_alg_none_token(server, world, counted):
    tok = token_for(world, "NEW_PROJECT")
    payload = tok.split(".")[1]
    body = variant("NEW_PROJECT", "alg-none")
    with counted():
        for header in ({"alg": "none", "typ": "JWT"}, {"alg": "None", "typ": "JWT"},
                       {"alg": "NONE"}):
            none_token = hand_built(header, payload)
            r = server.send_webhook("NEW_PROJECT", body, none_token)
            expect_refused(server, r, 401, "invalid_signature", body, f"alg {header['alg']}")
        # With the original (valid RS256) signature kept: still alg none.
        r = server.send_webhook("NEW_PROJECT", body,
                                hand_built({"alg": "none", "typ": "JWT"}, payload,
                                           tok.split(".")[2]))
        expect_refused(server, r, 401, "invalid_signature", body, "alg none with signature")


def test_hs256_token(server, world, dev_keys, counted):
    tok = token_for(world, "NEW_PROJECT")
    payload = tok.split(".")[1]
    body = variant("NEW_PROJECT", "hs256")
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    with counted():
        # The classic confusion attack: the RSA public key used as the HMAC secret.
        for secret in (dev_keys.public.read_bytes(), b"secret"):
            sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
            hs = f"{header}.{payload}.{b64url(sig)}"
            r = server.send_webhook("NEW_PROJECT", body, hs)
            expect_refused(server, r, 401, "invalid_signature", body, "HS256 token")


def test_token_of_another_addon(server, world, minter, counted):
    ws = world.event_ws["NEW_PROJECT"]
    body = variant("NEW_PROJECT", "other-addon")
    with counted():
        for tok in (minter.webhook(ws, claims=["sub=other-addon"]),
                    minter.webhook(ws, addon_key="other-addon")):
            assert jwt_parts(tok)[1]["sub"] == "other-addon"
            r = server.send_webhook("NEW_PROJECT", body, tok)
            expect_refused(server, r, 401, "invalid_signature", body, "sub of another add-on")


def test_valid_token_never_given_at_install(server, world, minter, counted):
    """Signed by the trusted key, right claims, right workspace, but not a token the install
    payload gave for this webhook."""
    ws = world.event_ws["NEW_PROJECT"]
    tok = minter.webhook(ws)
    body = variant("NEW_PROJECT", "never-installed-token")
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, tok)
        expect_refused(server, r, 401, "invalid_signature", body, "valid but unknown token")
        # An installation token is not a webhook token either.
        r = server.send_webhook("NEW_PROJECT", body, world.installs[ws].auth_token)
        expect_refused(server, r, 401, "invalid_signature", body, "installation token as signature")


def test_bad_tokens_registered_at_install_are_still_refused(server, minter, other_keys, counted):
    """Tokens that Clockify would never issue, but that an install payload listed: the stored
    token comparison alone must not let them in (signature and claims are checked too)."""
    ws = new_workspace()
    bad = {
        "NEW_PROJECT": minter.webhook(ws, key=other_keys),                 # foreign key
        "NEW_TAG": minter.webhook(ws, claims=["sub=other-addon"]),         # another add-on
        "NEW_CLIENT": minter.webhook(ws, claims=["iss=not-clockify"]),     # another issuer
    }
    inst = install(server, minter, ws, list(bad), tokens=bad, expect=None)
    if inst.response.status_code != 200:
        # Refusing such an install is also correct; it must not have stored anything then.
        assert inst.response.status_code in (400, 401), inst.response.text
        return
    with counted():
        for event, tok in bad.items():
            body = variant(event, f"registered-bad-{event}")
            r = server.send_webhook(event, body, tok)
            expect_refused(server, r, 401, "invalid_signature", body,
                           f"registered bad token {event}")


def test_token_of_another_workspace(server, world, minter, counted):
    """Workspace B's valid webhook token for NEW_PROJECT, used to deliver workspace A's
    NEW_PROJECT (the body names A)."""
    event = "NEW_PROJECT"
    ws_a = world.event_ws[event]
    ws_b = new_workspace()
    inst_b = install(server, minter, ws_b, [event])
    body = variant(event, "other-workspace")
    assert json.loads(body)["workspaceId"] == ws_a
    with counted():
        r = server.send_webhook(event, body, inst_b[event])
        expect_refused(server, r, 401, "invalid_signature", body,
                       "B's token delivering a body of workspace A")


def test_token_whose_claim_names_another_workspace(server, world, minter, counted):
    """An install payload of workspace C listing tokens whose workspaceId claim is A: they must
    not authenticate webhooks for C (either the install refuses them or the webhooks are
    refused), including a body that names no workspace (NEW_TASK)."""
    ws_a = world.event_ws["NEW_CLIENT"]
    ws_c = new_workspace()
    foreign = {"NEW_CLIENT": minter.webhook(ws_a), "NEW_TASK": minter.webhook(ws_a)}
    inst = install(server, minter, ws_c, list(foreign), tokens=foreign, expect=None)
    if inst.response.status_code != 200:
        assert inst.response.status_code in (400, 401), inst.response.text
        assert server.query("SELECT id FROM universal_webhook_webhook_token "
                            "WHERE workspace_id = ?", (ws_c,)) == []
        return
    with counted():
        for event, tok in foreign.items():
            body = variant(event, f"claim-other-workspace-{event}")
            r = server.send_webhook(event, body, tok)
            expect_refused(server, r, 401, "invalid_signature", body,
                           f"{event}: token with workspaceId claim A stored for C")


def test_token_for_another_event(server, world, counted):
    ws = world.event_ws["NEW_PROJECT"]
    assert world.event_ws["NEW_TAG"] == ws
    body = variant("NEW_PROJECT", "other-event")
    with counted():
        tag_token = world.installs[ws]["NEW_TAG"]
        r = server.send_webhook("NEW_PROJECT", body, tag_token)
        expect_refused(server, r, 401, "invalid_signature", body, "NEW_TAG token on NEW_PROJECT")
        r = server.send_webhook("NEW_PROJECT", body, tag_token, path_event=None)
        expect_refused(server, r, 401, "invalid_signature", body,
                       "NEW_TAG token on NEW_PROJECT, generic path")


@pytest.mark.parametrize("body", [b"{not json", b"", b'{"a":1', b"\xff\xfe{}", b"{}{}",
                                  b'{"id": "x",}', b"42", b'"text"', b"null", b" true "],
                         ids=["garbage", "empty", "truncated", "bad-utf8", "two-values",
                              "trailing-comma", "number", "string", "null", "bool"])
def test_invalid_json(server, world, counted, body):
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, token_for(world, "NEW_PROJECT"))
        expect_refused(server, r, 400, "invalid_json", body, f"body {body[:20]!r}")


def test_body_over_limit_small_server(make_server, minter):
    srv = make_server({"UNIVERSAL_WEBHOOK_MAX_BODY_BYTES": "2048"}, name="small-body")
    ws = new_workspace()
    inst = install(srv, minter, ws, ["NEW_PROJECT"])

    def body_of(size: int) -> bytes:
        base = b'{"workspaceId":"' + ws.encode() + b'","pad":"'
        return base + b"x" * (size - len(base) - 2) + b'"}'

    exact = body_of(2048)
    assert len(exact) == 2048
    row_id = assert_accepted(srv.send_webhook("NEW_PROJECT", exact, inst["NEW_PROJECT"]),
                             "body of exactly MAX_BODY_BYTES")
    assert bytes(srv.log_row(row_id)["payload"]) == exact
    before = srv.log_count()
    for size in (2049, 4000):
        big = body_of(size)
        r = srv.send_webhook("NEW_PROJECT", big, inst["NEW_PROJECT"])
        assert_error(r, 413, "payload_too_large", f"{size} bytes over 2048")
        assert srv.query("SELECT id FROM universal_webhook_log WHERE length(payload_json) = ?",
                         (size,)) == []
    assert srv.log_count() == before
    # The server still serves after refusing.
    assert srv.get("/healthz").status_code == 200
    srv.stop()


def test_body_over_default_limit(server, world, counted):
    """The default limit is 1 MiB: a 1.1 MiB JSON body is refused with 413."""
    ws = world.event_ws["NEW_PROJECT"]
    pad = b"x" * (1_153_434)
    body = b'{"workspaceId":"' + ws.encode() + b'","pad":"' + pad + b'"}'
    assert len(body) > 1_100_000
    with counted():
        r = server.send_webhook("NEW_PROJECT", body, token_for(world, "NEW_PROJECT"))
        assert_error(r, 413, "payload_too_large", "1.1 MiB body")
    assert server.get("/healthz").status_code == 200


def test_uninstalled_workspace(server, minter, counted):
    ws = new_workspace()
    inst = install(server, minter, ws, ["NEW_TAG"])
    ok_body = variant("NEW_TAG", f"before-uninstall-{ws}", ws)
    assert_accepted(server.send_webhook("NEW_TAG", ok_body, inst["NEW_TAG"]), "before uninstall")
    r = server.lifecycle("uninstalled", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                             "asUser": "5a0ab5acb07987125438b60f"},
                         minter=minter)
    assert r.status_code == 200, r.text
    body = variant("NEW_TAG", f"after-uninstall-{ws}", ws)
    with counted():
        r = server.send_webhook("NEW_TAG", body, inst["NEW_TAG"])
        expect_refused(server, r, 403, "not_installed", body,
                       "webhook for an uninstalled workspace")


def test_inactive_installation_stores_skipped_inactive(server, minter):
    ws = new_workspace()
    inst = install(server, minter, ws, ["NEW_TAG"])
    r = server.lifecycle("status-changed", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                                "status": "INACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    body = variant("NEW_TAG", f"inactive-{ws}", ws)
    row_id = assert_accepted(server.send_webhook("NEW_TAG", body, inst["NEW_TAG"]), "INACTIVE")
    check_row(server, row_id, body=body, event="NEW_TAG", workspace=ws, status="skipped_inactive")

    r = server.lifecycle("status-changed", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                                "status": "ACTIVE"}, minter=minter)
    assert r.status_code == 200, r.text
    body = variant("NEW_TAG", f"active-again-{ws}", ws)
    row_id = assert_accepted(server.send_webhook("NEW_TAG", body, inst["NEW_TAG"]), "ACTIVE again")
    check_row(server, row_id, body=body, event="NEW_TAG", workspace=ws, status="received")


def test_every_response_has_request_id(server, world):
    for resp in (server.get("/healthz"), server.get("/readyz"), server.get("/manifest"),
                 server.get("/no-such-path"),
                 server.send_webhook("NEW_PROJECT", b"{}", None)):
        assert resp.headers.get("X-Request-Id"), f"{resp.request.url}: no X-Request-Id"
