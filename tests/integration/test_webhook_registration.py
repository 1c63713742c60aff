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


def webhook_prefix(addon) -> str:
    return addon.server.env_vars["UNIVERSAL_WEBHOOK_BASE_URL"] + "/webhooks/clockify/"


def mock_webhooks(addon) -> list[dict]:
    """The workspace's webhooks as the mock's own Webhooks API lists them (with their tokens,
    recorded as secrets for the no-secrets check)."""
    r = addon.mock.api("GET", f"/v1/workspaces/{addon.workspace}/webhooks", addon.mock_token())
    assert r.status_code == 200, r.text
    hooks = r.json()["webhooks"]
    for h in hooks:
        if h.get("authToken"):
            record_secret(h["authToken"])
    return hooks


def ours(addon) -> dict[str, list[dict]]:
    """USER_CREATED webhooks pointing at the add-on, by event."""
    out: dict[str, list[dict]] = {}
    for h in mock_webhooks(addon):
        if h.get("webhookType") != "ADDON" and h["url"].startswith(webhook_prefix(addon)):
            out.setdefault(h["webhookEvent"], []).append(h)
    return out


def api_tokens(addon) -> dict[str, dict]:
    rows = addon.server.query(
        "SELECT event_type, path, token_hash, token_ciphertext, clockify_webhook_id "
        "FROM universal_webhook_webhook_token WHERE workspace_id = ? AND route = 'api'",
        (addon.workspace,))
    return {r["event_type"]: dict(r) for r in rows}


def logged_events(addon) -> list[str]:
    return [r["event_type"] for r in addon.server.query(
        "SELECT event_type FROM universal_webhook_log WHERE workspace_id = ? AND source = 'CLOCKIFY' "
        "ORDER BY id", (addon.workspace,))]


def wait_for_events(addon, events, since: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        got = logged_events(addon)[since:]
        missing = [e for e in events if e not in got]
        if not missing:
            return got
        assert time.monotonic() < deadline, f"never reached the add-on: {missing}; got {got}"
        time.sleep(0.1)


def change_data_through_the_mock(addon) -> list[str]:
    """Changes one entity of each kind through the mock's API (as its owner); returns the events
    that should follow. The two time-entry events have no API operation that causes them in
    Clockify's document, so the mock is told to emit them."""
    token = addon.mock_token()
    ws = addon.workspace
    state = addon.mock.state(ws)
    project = state["projects"][0]
    task = state["tasks"][0]
    client = state["clients"][0]
    tag = state["tags"][0]

    def call(method, path, body=None, expect=200):
        r = addon.mock.api(method, f"/v1/workspaces/{ws}{path}", token, body=body)
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
    addon.mock.emit("TIME_ENTRY_RESTORED", entry["id"], ws)
    addon.mock.emit("TIME_ENTRY_SPLIT", entry["id"], ws)
    return DEFAULT_EXTRA


# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def addon(make_clockify):
    a = make_clockify()
    yield a
    a.server.stop()
    a.mock.stop()


def test_an_install_registers_every_extra_event_once(addon):
    coverage = addon.wait_registrations()
    for event in DEFAULT_MANIFEST:
        c = coverage[event]
        assert (c["reaches"], c["route"], c["status"]) == (True, "manifest", "manifest"), c
    hooks = ours(addon)
    assert sorted(hooks) == sorted(DEFAULT_EXTRA), sorted(hooks)
    tokens = api_tokens(addon)
    assert sorted(tokens) == sorted(DEFAULT_EXTRA)
    for event in DEFAULT_EXTRA:
        assert len(hooks[event]) == 1, hooks[event]
        hook = hooks[event][0]
        assert hook["url"] == webhook_prefix(addon) + event
        assert hook["enabled"] is True
        c = coverage[event]
        assert (c["reaches"], c["route"], c["status"]) == (True, "api", "registered"), c
        assert c["webhook_id"] == hook["id"]
        # Stored for signature checks: its hash, encrypted, bound to the Clockify webhook.
        row = tokens[event]
        assert row["clockify_webhook_id"] == hook["id"]
        assert row["token_hash"] == hashlib.sha256(hook["authToken"].encode()).hexdigest()
        assert hook["authToken"] not in row["token_ciphertext"]
        assert row["path"] == webhook_prefix(addon) + event
    others = set(coverage) - set(DEFAULT_MANIFEST) - set(DEFAULT_EXTRA)
    assert len(others) == 51 - 20
    for event in others:
        assert coverage[event]["reaches"] is False
        assert coverage[event]["status"] == "not_subscribed", coverage[event]
        assert coverage[event]["reason"]
    # The mock counted what the add-on created: ten, paced through the workspace limiter.
    assert addon.mock.workspace_stats()["by_operation"].get("createWebhook") == 10
    assert addon.mock.stats()["too_many_requests"] == 0


def test_every_extra_event_reaches_the_add_on_when_data_changes(addon):
    addon.wait_registrations()
    since = len(logged_events(addon))
    events = change_data_through_the_mock(addon)
    got = wait_for_events(addon, events, since)
    # Each went through its own path and signature; the mock saw every delivery accepted.
    hooks = ours(addon)
    deliveries = addon.mock.deliveries()
    for event in events:
        mine = [d for d in deliveries if d.get("event") == event and d.get("url") == hooks[event][0]["url"]]
        assert mine, f"no delivery of {event}"
        assert all(d.get("status") == 200 for d in mine), mine
    assert set(DEFAULT_EXTRA) <= set(got)


def test_each_signature_is_checked_against_its_own_token(addon):
    hooks = {e: h[0] for e, h in ours(addon).items()}
    body = SHARED.joinpath("clockify", "webhook-samples", "PROJECT_UPDATED.json").read_bytes()
    # Another event's token on this event's path: refused.
    r = addon.server.send_webhook("PROJECT_UPDATED", body, hooks["TAG_UPDATED"]["authToken"])
    assert_error(r, 401, "invalid_signature")
    # A forged token of the same shape: refused.
    tok = hooks["PROJECT_UPDATED"]["authToken"]
    forged = tok[:-6] + ("AAAAAA" if not tok.endswith("AAAAAA") else "BBBBBB")
    assert_error(addon.server.send_webhook("PROJECT_UPDATED", body, forged), 401,
                 "invalid_signature")
    # Its own token: accepted, for the workspace the token was registered in (the body may
    # name none).
    doc = json.loads(body)
    doc["workspaceId"] = addon.workspace
    doc["name"] = f"signed {uuid.uuid4().hex}"
    row_id = assert_accepted(addon.server.send_webhook(
        "PROJECT_UPDATED", json.dumps(doc).encode(), tok))
    row = addon.server.log_row(row_id)
    assert row["workspace_id"] == addon.workspace and row["event_type"] == "PROJECT_UPDATED"


def test_a_reinstall_reuses_the_registrations(addon):
    before = {e: [h["id"] for h in hs] for e, hs in ours(addon).items()}
    creates = addon.mock.workspace_stats()["by_operation"].get("createWebhook", 0)
    installed = addon.mock.install(addon.server.url("/manifest"), addon.workspace)
    assert installed["lifecycle_status"] == 200
    # The reinstall's reconciliation has run once every extra event says it reused its webhook.
    deadline = time.monotonic() + 30
    while True:
        coverage = addon.coverage()
        if all(coverage[e]["reason"] == "reused an earlier registration" for e in DEFAULT_EXTRA):
            break
        assert time.monotonic() < deadline, [coverage[e] for e in DEFAULT_EXTRA]
        time.sleep(0.1)
    after = {e: [h["id"] for h in hs] for e, hs in ours(addon).items()}
    assert after == before
    assert addon.mock.workspace_stats()["by_operation"].get("createWebhook", 0) == creates
    for event in DEFAULT_EXTRA:
        assert (coverage[event]["reaches"], coverage[event]["status"]) == (True, "registered")
    since = len(logged_events(addon))
    tag = addon.mock.state(addon.workspace)["tags"][1]
    r = addon.mock.api("PUT", f"/v1/workspaces/{addon.workspace}/tags/{tag['id']}",
                       addon.mock_token(), body={"name": tag["name"] + "!"})
    assert r.status_code == 200, r.text
    wait_for_events(addon, ["TAG_UPDATED"], since)


def test_uninstall_forgets_and_a_new_install_does_not_duplicate(addon):
    registered = {h[0]["id"] for h in ours(addon).values()}
    addon.mock.reset_stats()
    addon.mock.uninstall(addon.workspace)
    deadline = time.monotonic() + 30
    while addon.server.query(
            "SELECT COUNT(*) AS n FROM universal_webhook_webhook_registration "
            "WHERE workspace_id = ?", (addon.workspace,))[0]["n"] > 0:
        assert time.monotonic() < deadline, "registrations not forgotten after uninstall"
        time.sleep(0.1)
    assert api_tokens(addon) == {}
    # A delete was tried for each, with the last token known (Clockify revokes it at uninstall,
    # the mock just after the add-on answered DELETED): deleted where it still worked, else left
    # at Clockify and forgotten. Never more than one per event either way.
    deletes = [r for r in addon.mock.requests_seen() if r["operation_id"] == "deleteWebhook"]
    assert sorted(r["target"].rsplit("/", 1)[1] for r in deletes) == sorted(registered)
    assert all(r["status"] in (200, 401) for r in deletes), deletes
    left = ours(addon)
    assert {h[0]["id"] for h in left.values()} == {
        r["target"].rsplit("/", 1)[1] for r in deletes if r["status"] == 401}
    assert all(len(hs) == 1 for hs in left.values()), left
    print(f"\nuninstall: {sum(r['status'] == 200 for r in deletes)} deleted, "
          f"{len(left)} left at the mock (token already revoked)")
    installed = addon.mock.install(addon.server.url("/manifest"), addon.workspace)
    assert installed["lifecycle_status"] == 200
    time.sleep(0.3)
    coverage = addon.wait_registrations()
    hooks = ours(addon)
    assert sorted(hooks) == sorted(DEFAULT_EXTRA)
    assert all(len(hs) == 1 for hs in hooks.values()), hooks
    assert all(coverage[e]["reaches"] for e in DEFAULT_EXTRA)
    assert sorted(api_tokens(addon)) == sorted(DEFAULT_EXTRA)


# --------------------------------------------------------------------------------------------
# Clockify's limits: 10 webhooks per user, 100 per workspace
# --------------------------------------------------------------------------------------------
def test_beyond_the_per_user_limit_what_fits_is_registered_and_the_rest_shown(make_clockify):
    wanted = DEFAULT_EXTRA + ["USER_UPDATED", "EXPENSE_CREATED"]
    addon = make_clockify({"UNIVERSAL_WEBHOOK_EXTRA_EVENTS": ",".join(wanted)}, name="limit-user")
    try:
        coverage = addon.wait_registrations()
        hooks = ours(addon)
        assert sorted(hooks) == sorted(DEFAULT_EXTRA)  # the first ten in the configured order
        owner = addon.mock.state(addon.workspace)["owner_id"]
        assert all(h[0]["userId"] == owner for h in hooks.values())
        for event in DEFAULT_EXTRA:
            assert coverage[event]["reaches"] is True
        for event in ["USER_UPDATED", "EXPENSE_CREATED"]:
            c = coverage[event]
            assert (c["reaches"], c["route"], c["status"]) == (False, None, "refused"), c
            assert "Clockify answered 400" in c["reason"] and "limit" in c["reason"].lower(), c
        assert addon.mock.workspace_stats()["by_operation"]["createWebhook"] == 12
        assert sorted(api_tokens(addon)) == sorted(DEFAULT_EXTRA)
    finally:
        addon.server.stop()
        addon.mock.stop()


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
    addon = make_clockify(mock=mock, name="limit-workspace")
    try:
        coverage = addon.wait_registrations()
        hooks = ours(addon)
        assert sorted(hooks) == [DEFAULT_EXTRA[0]], sorted(hooks)
        assert len(mock_webhooks(addon)) - len(DEFAULT_MANIFEST) == 100
        assert coverage[DEFAULT_EXTRA[0]]["reaches"] is True
        for event in DEFAULT_EXTRA[1:]:
            c = coverage[event]
            assert (c["reaches"], c["status"]) == (False, "refused"), c
            assert "Clockify answered 400" in c["reason"] and "100" in c["reason"], c
    finally:
        addon.server.stop()
