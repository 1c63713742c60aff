"""Event coverage beyond the manifest (SPEC §8; issue 8): after an install the add-on registers
UNIVERSAL_WEBHOOK_EXTRA_EVENTS through the simulated Clockify's Webhooks API, stores each returned
token, and every such event then reaches it when data changes through the mock. Registrations are
reconciled across reinstalls, never duplicated, and what Clockify's limits refuse is shown.

Expected values come from the mock (its state, its Webhooks API, its deliveries) and from the
server's SQLite file, read here."""
from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest

from conftest import SHARED, assert_accepted, assert_error, record_secret

DEFAULT_MANIFEST = ["NEW_TIME_ENTRY", "TIME_ENTRY_UPDATED", "TIME_ENTRY_DELETED",
                    "NEW_TIMER_STARTED", "TIMER_STOPPED", "NEW_PROJECT", "NEW_CLIENT", "NEW_TASK",
                    "NEW_TAG", "USER_JOINED_WORKSPACE"]
DEFAULT_EXTRA = ["PROJECT_UPDATED", "PROJECT_DELETED", "TASK_UPDATED", "TASK_DELETED",
                 "CLIENT_UPDATED", "CLIENT_DELETED", "TAG_UPDATED", "TAG_DELETED",
                 "TIME_ENTRY_RESTORED", "TIME_ENTRY_SPLIT"]


def webhook_prefix(clockify) -> str:
    return clockify.server.env_vars["UNIVERSAL_WEBHOOK_BASE_URL"] + "/webhooks/clockify/"


def mock_webhooks(clockify) -> list[dict]:
    """The workspace's webhooks as the mock's own Webhooks API lists them (with their tokens,
    recorded as secrets for the no-secrets check)."""
    r = clockify.mock.api("GET", f"/v1/workspaces/{clockify.workspace}/webhooks", clockify.mock_token())
    assert r.status_code == 200, r.text
    hooks = r.json()["webhooks"]
    for h in hooks:
        if h.get("authToken"):
            record_secret(h["authToken"])
    return hooks


def ours(clockify) -> dict[str, list[dict]]:
    """USER_CREATED webhooks pointing at the add-on, by event."""
    out: dict[str, list[dict]] = {}
    for h in mock_webhooks(clockify):
        if h.get("webhookType") != "ADDON" and h["url"].startswith(webhook_prefix(clockify)):
            out.setdefault(h["webhookEvent"], []).append(h)
    return out


def api_tokens(clockify) -> dict[str, dict]:
    rows = clockify.server.query(
        "SELECT event_type, path, token_hash, token_ciphertext, clockify_webhook_id "
        "FROM universal_webhook_webhook_token WHERE workspace_id = ? AND route = 'api'",
        (clockify.workspace,))
    return {r["event_type"]: dict(r) for r in rows}


def logged_events(clockify) -> list[str]:
    return [r["event_type"] for r in clockify.server.query(
        "SELECT event_type FROM universal_webhook_log WHERE workspace_id = ? AND source = 'CLOCKIFY' "
        "ORDER BY id", (clockify.workspace,))]


def wait_for_events(clockify, events, since: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        got = logged_events(clockify)[since:]
        missing = [e for e in events if e not in got]
        if not missing:
            return got
        assert time.monotonic() < deadline, f"never reached the add-on: {missing}; got {got}"
        time.sleep(0.1)


def change_data_through_the_mock(clockify) -> list[str]:
    """Changes one entity of each kind through the mock's API (as its owner); returns the events
    that should follow. The two time-entry events have no API operation that causes them in
    Clockify's document, so the mock is told to emit them."""
    token = clockify.mock_token()
    ws = clockify.workspace
    state = clockify.mock.state(ws)
    project = state["projects"][0]
    task = state["tasks"][0]
    client = state["clients"][0]
    tag = state["tags"][0]

    def call(method, path, body=None, expect=200):
        r = clockify.mock.api(method, f"/v1/workspaces/{ws}{path}", token, body=body)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return r

    call("PUT", f"/projects/{project['id']}", {"name": project["name"] + " (edited)"})
    call("PUT", f"/projects/{task['projectId']}/tasks/{task['id']}", {"name": task["name"] + " (edited)"})
    call("DELETE", f"/projects/{task['projectId']}/tasks/{task['id']}")
    call("PUT", f"/clients/{client['id']}", {"name": client["name"] + " (edited)"})
    call("PUT", f"/tags/{tag['id']}", {"name": tag["name"] + " (edited)"})
    call("DELETE", f"/tags/{tag['id']}")
    spare_client = call("POST", "/clients", {"name": f"Spare {uuid.uuid4().hex[:6]}"}, 201).json()
    call("DELETE", f"/clients/{spare_client['id']}")
    # Like Clockify, the mock deletes only an archived project.
    spare = call("POST", "/projects", {"name": f"Spare {uuid.uuid4().hex[:6]}"}, 201).json()
    call("PUT", f"/projects/{spare['id']}", {"archived": True})
    call("DELETE", f"/projects/{spare['id']}")
    entry = state["time_entries"][0]
    clockify.mock.emit("TIME_ENTRY_RESTORED", entry["id"], ws)
    clockify.mock.emit("TIME_ENTRY_SPLIT", entry["id"], ws)
    return DEFAULT_EXTRA


# --------------------------------------------------------------------------------------------
def test_an_install_registers_every_extra_event_once(clockify):
    coverage = clockify.wait_registrations()
    for event in DEFAULT_MANIFEST:
        c = coverage[event]
        assert (c["reaches"], c["route"], c["status"]) == (True, "manifest", "manifest"), c
    hooks = ours(clockify)
    assert sorted(hooks) == sorted(DEFAULT_EXTRA), sorted(hooks)
    tokens = api_tokens(clockify)
    assert sorted(tokens) == sorted(DEFAULT_EXTRA)
    for event in DEFAULT_EXTRA:
        assert len(hooks[event]) == 1, hooks[event]
        hook = hooks[event][0]
        assert hook["url"] == webhook_prefix(clockify) + event
        assert hook["enabled"] is True
        c = coverage[event]
        assert (c["reaches"], c["route"], c["status"]) == (True, "api", "registered"), c
        assert c["webhook_id"] == hook["id"]
        # Stored for signature checks: its hash, encrypted, bound to the Clockify webhook.
        row = tokens[event]
        assert row["clockify_webhook_id"] == hook["id"]
        assert row["token_hash"] == hashlib.sha256(hook["authToken"].encode()).hexdigest()
        assert hook["authToken"] not in row["token_ciphertext"]
        assert row["path"] == webhook_prefix(clockify) + event
    others = set(coverage) - set(DEFAULT_MANIFEST) - set(DEFAULT_EXTRA)
    assert len(others) == 51 - 20
    for event in others:
        assert coverage[event]["reaches"] is False
        assert coverage[event]["status"] == "not_subscribed", coverage[event]
        assert coverage[event]["reason"]
    # The mock counted what the add-on created: ten, paced through the workspace limiter.
    assert clockify.mock.workspace_stats()["by_operation"].get("createWebhook") == 10
    assert clockify.mock.stats()["too_many_requests"] == 0


def test_every_extra_event_reaches_the_add_on_when_data_changes(clockify):
    clockify.wait_registrations()
    since = len(logged_events(clockify))
    events = change_data_through_the_mock(clockify)
    got = wait_for_events(clockify, events, since)
    # Each went through its own path and signature; the mock saw every delivery accepted.
    hooks = ours(clockify)
    deliveries = clockify.mock.deliveries()
    for event in events:
        mine = [d for d in deliveries if d.get("event") == event and d.get("url") == hooks[event][0]["url"]]
        assert mine, f"no delivery of {event}"
        assert all(d.get("status") == 200 for d in mine), mine
    assert set(DEFAULT_EXTRA) <= set(got)


def test_each_signature_is_checked_against_its_own_token(clockify):
    hooks = {e: h[0] for e, h in ours(clockify).items()}
    body = SHARED.joinpath("clockify", "webhook-samples", "PROJECT_UPDATED.json").read_bytes()
    # Another event's token on this event's path: refused.
    r = clockify.server.send_webhook("PROJECT_UPDATED", body, hooks["TAG_UPDATED"]["authToken"])
    assert_error(r, 401, "invalid_signature")
    # A forged token of the same shape: refused.
    tok = hooks["PROJECT_UPDATED"]["authToken"]
    forged = tok[:-6] + ("AAAAAA" if not tok.endswith("AAAAAA") else "BBBBBB")
    assert_error(clockify.server.send_webhook("PROJECT_UPDATED", body, forged), 401,
                 "invalid_signature")
    # Its own token: accepted, for the workspace the token was registered in (the body may
    # name none).
    doc = json.loads(body)
    doc["workspaceId"] = clockify.workspace
    doc["name"] = f"signed {uuid.uuid4().hex}"
    row_id = assert_accepted(clockify.server.send_webhook(
        "PROJECT_UPDATED", json.dumps(doc).encode(), tok))
    row = clockify.server.log_row(row_id)
    assert row["workspace_id"] == clockify.workspace and row["event_type"] == "PROJECT_UPDATED"


def test_a_reinstall_reuses_the_registrations(clockify):
    before = {e: [h["id"] for h in hs] for e, hs in ours(clockify).items()}
    creates = clockify.mock.workspace_stats()["by_operation"].get("createWebhook", 0)
    installed = clockify.mock.install(clockify.server.url("/manifest"), clockify.workspace)
    assert installed["lifecycle_status"] == 200
    # The reinstall's reconciliation has run once every extra event says it reused its webhook.
    deadline = time.monotonic() + 30
    while True:
        coverage = clockify.coverage()
        if all(coverage[e]["reason"] == "reused an earlier registration" for e in DEFAULT_EXTRA):
            break
        assert time.monotonic() < deadline, [coverage[e] for e in DEFAULT_EXTRA]
        time.sleep(0.1)
    after = {e: [h["id"] for h in hs] for e, hs in ours(clockify).items()}
    assert after == before
    assert clockify.mock.workspace_stats()["by_operation"].get("createWebhook", 0) == creates
    for event in DEFAULT_EXTRA:
        assert (coverage[event]["reaches"], coverage[event]["status"]) == (True, "registered")
    since = len(logged_events(clockify))
    tag = clockify.mock.state(clockify.workspace)["tags"][1]
    r = clockify.mock.api("PUT", f"/v1/workspaces/{clockify.workspace}/tags/{tag['id']}",
                       clockify.mock_token(), body={"name": tag["name"] + "!"})
    assert r.status_code == 200, r.text
    wait_for_events(clockify, ["TAG_UPDATED"], since)


def test_uninstall_forgets_and_a_new_install_does_not_duplicate(clockify):
    registered = {h[0]["id"] for h in ours(clockify).values()}
    clockify.mock.reset_stats()
    clockify.mock.uninstall(clockify.workspace)
    deadline = time.monotonic() + 30
    while clockify.server.query(
            "SELECT COUNT(*) AS n FROM universal_webhook_webhook_registration "
            "WHERE workspace_id = ?", (clockify.workspace,))[0]["n"] > 0:
        assert time.monotonic() < deadline, "registrations not forgotten after uninstall"
        time.sleep(0.1)
    assert api_tokens(clockify) == {}
    # A delete was tried for each, with the last token known (Clockify revokes it at uninstall,
    # the mock just after the add-on answered DELETED): deleted where it still worked, else left
    # at Clockify and forgotten. Never more than one per event either way.
    deletes = [r for r in clockify.mock.requests_seen() if r["operation_id"] == "deleteWebhook"]
    assert sorted(r["target"].rsplit("/", 1)[1] for r in deletes) == sorted(registered)
    assert all(r["status"] in (200, 401) for r in deletes), deletes
    left = ours(clockify)
    assert {h[0]["id"] for h in left.values()} == {
        r["target"].rsplit("/", 1)[1] for r in deletes if r["status"] == 401}
    assert all(len(hs) == 1 for hs in left.values()), left
    print(f"\nuninstall: {sum(r['status'] == 200 for r in deletes)} deleted, "
          f"{len(left)} left at the mock (token already revoked)")
    installed = clockify.mock.install(clockify.server.url("/manifest"), clockify.workspace)
    assert installed["lifecycle_status"] == 200
    time.sleep(0.3)
    coverage = clockify.wait_registrations()
    hooks = ours(clockify)
    assert sorted(hooks) == sorted(DEFAULT_EXTRA)
    assert all(len(hs) == 1 for hs in hooks.values()), hooks
    assert all(coverage[e]["reaches"] for e in DEFAULT_EXTRA)
    assert sorted(api_tokens(clockify)) == sorted(DEFAULT_EXTRA)


# --------------------------------------------------------------------------------------------
# Clockify's limits: 10 webhooks per user, 100 per workspace
# --------------------------------------------------------------------------------------------
def test_beyond_the_per_user_limit_what_fits_is_registered_and_the_rest_shown(make_clockify):
    wanted = DEFAULT_EXTRA + ["USER_UPDATED", "EXPENSE_CREATED"]
    clockify = make_clockify({"UNIVERSAL_WEBHOOK_EXTRA_EVENTS": ",".join(wanted)}, name="limit-user")
    try:
        coverage = clockify.wait_registrations()
        hooks = ours(clockify)
        assert sorted(hooks) == sorted(DEFAULT_EXTRA)  # the first ten in the configured order
        owner = clockify.mock.state(clockify.workspace)["owner_id"]
        assert all(h[0]["userId"] == owner for h in hooks.values())
        for event in DEFAULT_EXTRA:
            assert coverage[event]["reaches"] is True
        for event in ["USER_UPDATED", "EXPENSE_CREATED"]:
            c = coverage[event]
            assert (c["reaches"], c["route"], c["status"]) == (False, None, "refused"), c
            assert "Clockify answered 400" in c["reason"] and "limit" in c["reason"].lower(), c
        assert clockify.mock.workspace_stats()["by_operation"]["createWebhook"] == 12
        assert sorted(api_tokens(clockify)) == sorted(DEFAULT_EXTRA)
    finally:
        clockify.server.stop()
        clockify.mock.stop()


def test_at_the_workspace_limit_what_fits_is_registered_and_the_rest_shown(make_mock,
                                                                            make_clockify, minter):
    mock = make_mock(["--users", "12"])
    ws = mock.workspace_id
    users = [u["id"] for u in mock.state(ws)["users"]][1:]
    assert len(users) == 11
    # Eleven other users fill the workspace up to 99 webhooks, pointing elsewhere.
    for n in range(99):
        user = users[n % 11]
        token = minter.mint("user", ws, role="ADMIN", cache=True, claims=[f"user={user}"])
        body = {"name": f"other {n}", "url": f"https://elsewhere.example/hook/{n}",
                "webhookEvent": "NEW_TAG", "triggerSourceType": "WORKSPACE_ID",
                "triggerSource": [ws]}
        for _ in range(20):
            r = mock.api("POST", f"/v1/workspaces/{ws}/webhooks", token, body=body)
            if r.status_code != 429:
                break
            time.sleep(1)
        assert r.status_code == 201, r.text
        record_secret(r.json()["authToken"])
    clockify = make_clockify(mock=mock, name="limit-workspace")
    try:
        coverage = clockify.wait_registrations()
        hooks = ours(clockify)
        assert sorted(hooks) == [DEFAULT_EXTRA[0]], sorted(hooks)
        assert len(mock_webhooks(clockify)) - len(DEFAULT_MANIFEST) == 100
        assert coverage[DEFAULT_EXTRA[0]]["reaches"] is True
        for event in DEFAULT_EXTRA[1:]:
            c = coverage[event]
            assert (c["reaches"], c["status"]) == (False, "refused"), c
            assert "Clockify answered 400" in c["reason"] and "100" in c["reason"], c
    finally:
        clockify.server.stop()
