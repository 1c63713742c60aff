"""Text a database could not keep (SPEC §4.3 step 4, §3): PostgreSQL's TEXT holds UTF-8 without
NUL bytes only, so input that is anything else is refused with a clear error before it is
acknowledged, on both backends alike, and the rows of other requests are not affected. (JSON
bodies cannot carry such bytes: the JSON check refuses them first.)"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (Server, assert_accepted, assert_error, create_custom_source, install,
                      new_workspace, send_custom, user_token)

BAD_TEXT = [
    pytest.param(b"name=Zo\xeb", id="latin-1"),
    pytest.param(b"a=1&b=\x00", id="nul"),
    pytest.param(b"x=\xed\xa0\x80", id="surrogate"),
    pytest.param(b"x=\xe6\x9d", id="cut-short"),
]


@pytest.fixture(scope="module")
def open_source(server: Server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    resp = create_custom_source(server, user_token(minter, ws, "ADMIN"), "forms", open_source=True)
    assert resp.status_code == 201, resp.text
    return ws


def send_form(server: Server, ws: str, body: bytes, **kw):
    return send_custom(server, "forms", body, workspace=ws,
                       content_type="application/x-www-form-urlencoded", **kw)


@pytest.mark.parametrize("body", BAD_TEXT)
def test_form_body_that_is_not_utf8_is_refused_and_not_stored(server, open_source, body):
    before = server.log_count()
    err = assert_error(send_form(server, open_source, body), 400, "validation_failed")
    assert err.get("field") == "payload", err
    assert server.log_count() == before


def test_form_body_of_utf8_and_percent_escapes_is_stored_byte_for_byte(server, open_source):
    body = "name=Zoë&raw=%FF%00&city=東京".encode()
    row_id = assert_accepted(send_form(server, open_source, body))
    row = server.query("SELECT CAST(payload_json AS BLOB) AS p FROM universal_webhook_log "
                       "WHERE id = ?", (row_id,))[0]
    assert bytes(row["p"]) == body


@pytest.mark.parametrize("header,field", [("X-Event-Type", "event_type"),
                                          ("webhook-id", "dedup_key")])
def test_header_that_is_not_utf8_is_refused(server, open_source, header, field):
    before = server.log_count()
    resp = send_form(server, open_source, b"a=1", extra_headers={header: b"caf\xe9"})
    # The HTTP parser may refuse the byte itself; either way nothing is acknowledged or stored.
    assert resp.status_code == 400, resp.text
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        assert resp.json()["error"]["field"] == field, resp.text
    assert server.log_count() == before


def test_workspace_header_that_is_not_utf8_is_refused(server):
    before = server.log_count()
    resp = send_custom(server, "forms", b"a=1", workspace=None,
                       content_type="application/x-www-form-urlencoded",
                       extra_headers={"X-Workspace-Id": b"ws-\xff"})
    assert resp.status_code == 400, resp.text
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        err = assert_error(resp, 400, "validation_failed")
        assert err.get("field") == "X-Workspace-Id", err
    assert server.log_count() == before


def test_a_refused_row_does_not_fail_the_rows_committed_with_it(server, open_source):
    """Bad and good requests at once: the group commit's batches mix them, and every good one
    is still stored."""
    good = [f"n={uuid.uuid4().hex}".encode() for _ in range(60)]
    bad = [b"n=\xff" + str(i).encode() for i in range(60)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda b: (b, send_form(server, open_source, b)), good + bad))
    for body, resp in results:
        if body in good:
            row_id = assert_accepted(resp, body.decode())
            stored = server.query("SELECT CAST(payload_json AS BLOB) AS p FROM "
                                  "universal_webhook_log WHERE id = ?", (row_id,))
            assert bytes(stored[0]["p"]) == body
        else:
            assert_error(resp, 400, "validation_failed")
