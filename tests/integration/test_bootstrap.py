"""The GET bootstrap (SPEC §9, §7) against the simulated Clockify: a server installed by
`uwh mock-clockify` caches the mock's seeded workspace, at the workspace's rate, resumably; the
cache is compared with the mock's own data (GET /_mock/state) and rates are measured from the
mock's per-second counters."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import (assert_error, free_port, new_pg_database, postgres_only, record_secret,
                      ui_get, ui_headers, user_token)
from test_metrics import scrape

# What the mock seeds and where the bootstrap puts it.
SEEDED = {"user": "users", "project": "projects", "client": "clients", "tag": "tags",
          "task": "tasks", "user_group": "user_groups", "custom_field": "custom_fields"}


def mock_installed_server(make_server, mock, env: dict | None = None, *,
                          name: str = "mocked", db_url: str | None = None):
    """A server on a port of its own (its manifest names it), installed into the mock's
    workspace, with the bootstrap running on install. The extra event types are not registered
    here: their getWebhooks/createWebhook calls would race the bootstrap's own list of webhooks
    and its request counts (test_webhook_registration.py covers them)."""
    port = free_port()
    settings = {"UNIVERSAL_WEBHOOK_PORT": str(port),
                "UNIVERSAL_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
                "UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "true",
                "UNIVERSAL_WEBHOOK_EXTRA_EVENTS": ""}
    settings.update(env or {})
    srv = make_server(settings, name=name, db_url=db_url)
    installed = mock.install(srv.url("/manifest"))
    assert installed["lifecycle_status"] == 200, installed
    return srv


def bootstrap_state(server, ws):
    rows = server.query("SELECT * FROM universal_webhook_bootstrap_state WHERE workspace_id = ?",
                        (ws,))
    return dict(rows[0]) if rows else None


def wait_bootstrap(server, ws, *, until=("completed", "error"), timeout=120.0) -> dict:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = bootstrap_state(server, ws)
        if state and state["status"] in until:
            return state
        time.sleep(0.1)
    raise AssertionError(f"bootstrap did not reach {until} within {timeout}s: {state}")


def cached_ids(server, ws, entity_type) -> set[str]:
    rows = server.query("SELECT entity_id FROM universal_webhook_entity_cache "
                        "WHERE workspace_id = ? AND entity_type = ?", (ws, entity_type))
    return {r["entity_id"] for r in rows}


def parse_time(value) -> datetime:
    """A stored time: ISO text (SQLite) or a datetime (PostgreSQL)."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def time_entry_window_starts(mock) -> set[datetime]:
    """The `start`s the bootstrap asked the mock's getTimeEntries for (one per run)."""
    starts = set()
    for key in mock.stats()["by_request"]:
        method, target = key.split(" ", 1)
        parts = urlsplit(target)
        if method == "GET" and parts.path.endswith("/time-entries") and "/user/" in parts.path:
            starts.update(parse_time(v) for v in parse_qs(parts.query).get("start", []))
    return starts


def assert_time_entries_are_the_window(server, mock, start: datetime):
    state = mock.state()
    expected = {e["id"] for e in state["time_entries"]
                if parse_time(e["timeInterval"]["start"]) >= start}
    assert 0 < len(expected) < len(state["time_entries"])  # the window cuts
    assert cached_ids(server, mock.workspace_id, "time_entry") == expected


def assert_cache_is_the_mocks_workspace(server, mock):
    """Exactly the mock's users, projects, clients, tags, tasks, groups and custom fields, and
    its time entries inside the day window the bootstrap used."""
    ws = mock.workspace_id
    state = mock.state()
    for entity_type, key in SEEDED.items():
        expected = {item["id"] for item in state[key]}
        assert expected, f"the mock seeded no {key}"
        assert cached_ids(server, ws, entity_type) == expected, entity_type
    starts = time_entry_window_starts(mock)
    assert len(starts) == 1, f"expected one time window, saw {starts}"
    assert_time_entries_are_the_window(server, mock, starts.pop())
    return state


def record_mock_webhook_tokens(mock, minter):
    """The signature tokens the mock issued for the installation: no response or log line of
    ours may show them (test_no_secrets.py)."""
    token = minter.mint("install", mock.workspace_id)
    # Not the recorded session: this answer is the one place the tokens are meant to be.
    resp = requests.get(f"{mock.base}/api/v1/workspaces/{mock.workspace_id}/webhooks",
                        headers={"X-Addon-Token": token}, timeout=15)
    assert resp.status_code == 200, resp.text
    for hook in resp.json()["webhooks"]:
        if hook.get("authToken"):
            record_secret(hook["authToken"])


@pytest.fixture(scope="module")
def installed(make_server, make_mock, minter):
    """A mock with a server installed into it at the default rate, its bootstrap finished."""
    mock = make_mock()
    srv = mock_installed_server(make_server, mock)
    state = wait_bootstrap(srv, mock.workspace_id)
    record_mock_webhook_tokens(mock, minter)
    return srv, mock, state


def test_install_caches_exactly_the_mocks_workspace(installed, minter):
    srv, mock, state = installed
    assert state["status"] == "completed", state
    assert state["progress"] == 100
    assert state["completed_endpoints"] == state["total_endpoints"] > 0
    mock_state = assert_cache_is_the_mocks_workspace(srv, mock)

    # The dashboard shows the counts and 100 %.
    token = user_token(minter, mock.workspace_id)
    dash = ui_get(srv, "/ui/dashboard", token)
    assert dash.status_code == 200, dash.text
    body = dash.json()
    assert body["bootstrap"]["status"] == "completed"
    assert body["bootstrap"]["progress"] == 100
    for entity_type, key in SEEDED.items():
        assert body["entities"][entity_type] == len(mock_state[key]), entity_type
    assert body["entities"]["time_entry"] == len(cached_ids(srv, mock.workspace_id, "time_entry"))


def test_metrics_observe_the_finished_run(installed):
    srv, _, state = installed
    m = scrape(srv)
    assert m.value("bootstrap_duration_seconds_count") == 1
    took = (parse_time(state["completed_at"]) - parse_time(state["started_at"])).total_seconds()
    assert took > 0
    assert abs(m.value("bootstrap_duration_seconds_sum") - took) < 0.5, took


def test_no_token_reaches_the_cache(installed, minter):
    srv, mock, _ = installed
    # Read through the UI too: test_no_secrets.py checks this answer for the mock's tokens.
    listed = ui_get(srv, "/ui/entities", user_token(minter, mock.workspace_id),
                    params={"type": "webhook"})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 10, listed.text
    rows = srv.query("SELECT data_json FROM universal_webhook_entity_cache "
                     "WHERE workspace_id = ? AND entity_type IN ('webhook', 'addon_webhook')",
                     (mock.workspace_id,))
    assert len(rows) == len(mock.state()["webhooks"]) + 1  # + the add-on's own list
    for row in rows:
        assert "authToken" not in json.loads(row["data_json"])


def test_bootstrap_endpoint_reports_every_endpoint(installed, minter):
    srv, mock, _ = installed
    r = ui_get(srv, "/ui/bootstrap", user_token(minter, mock.workspace_id))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and body["progress"] == 100
    assert body["started_at"] and body["completed_at"]
    ops = {e["operation_id"]: e for e in body["endpoints"]}
    assert len(ops) == body["total_endpoints"]
    assert ops["getTags"]["status"] == "done"
    assert ops["getTags"]["items"] == len(mock.state()["tags"])
    assert ops["getTags"]["pages"] == 2  # 56 tags, 50 a page
    tasks = ops["getTasks"]
    assert tasks["parents"] == {"total": len(mock.state()["projects"]),
                                "done": len(mock.state()["projects"]), "skipped": 0}


def test_entities_for_pickers(installed, minter):
    srv, mock, _ = installed
    token = user_token(minter, mock.workspace_id)
    projects = {p["id"]: p["name"] for p in mock.state()["projects"]}
    seen = {}
    cursor = None
    pages = 0
    while True:
        params = {"type": "project", "limit": 5}
        if cursor:
            params["cursor"] = cursor
        r = ui_get(srv, "/ui/entities", token, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        for item in body["items"]:
            assert item["entity_type"] == "project"
            assert item["data"]["id"] == item["entity_id"]
            seen[item["entity_id"]] = item["name"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == projects
    assert pages == 3  # 14 projects, 5 a page
    assert_error(ui_get(srv, "/ui/entities", token), 400, "validation_failed")
    err = assert_error(ui_get(srv, "/ui/entities", token, params={"type": "Project;"}), 400,
                       "validation_failed")
    assert err["field"] == "type"
    assert ui_get(srv, "/ui/entities", token, params={"type": "nothing_like_it"}).json() == \
        {"items": [], "next_cursor": None}


def test_default_rate_never_meets_a_429(installed):
    _, mock, _ = installed
    stats = mock.workspace_stats()
    assert stats["requests"] > 50
    assert stats["rate_limited"] == 0
    assert mock.stats()["too_many_requests"] == 0
    assert stats["max_in_1s_window"] <= 25 + 1


def full_seconds(per_second: list[dict]) -> list[int]:
    """Counts of the seconds strictly inside the run (the first and last are partial)."""
    counts = [s["count"] for s in sorted(per_second, key=lambda s: s["second"])]
    return counts[1:-1]


def test_rate_tracks_max_rps_10(make_server, make_mock):
    mock = make_mock()
    srv = mock_installed_server(make_server, mock, {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": "10"})
    state = wait_bootstrap(srv, mock.workspace_id)
    assert state["status"] == "completed", state
    stats = mock.workspace_stats()
    seconds = full_seconds(stats["per_second"])
    assert len(seconds) >= 4, stats["per_second"]
    # No one-second window holds more than the rate plus one (SPEC §5.1) ...
    assert stats["max_in_1s_window"] <= 11, stats
    # ... and every whole second of the run is used: above 8 requests, at most 10 (+1 for a
    # request that arrives a hair early).
    assert all(8 < n <= 11 for n in seconds), seconds
    assert stats["rate_limited"] == 0
    assert_cache_is_the_mocks_workspace(srv, mock)


def test_429_bursts_are_waited_out(make_server, make_mock):
    mock = make_mock()
    r = mock.control("POST", "/faults", {"burst_429": 12, "retry_after": 1})
    assert r.status_code == 200, r.text
    srv = mock_installed_server(make_server, mock)
    state = wait_bootstrap(srv, mock.workspace_id)
    assert state["status"] == "completed", state
    assert mock.stats()["burst_429"] == 12
    assert_cache_is_the_mocks_workspace(srv, mock)


def test_killed_midway_resumes_and_refetches_at_most_once_per_page(make_server, make_mock):
    mock = make_mock()
    srv = mock_installed_server(make_server, mock, {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": "8"})
    ws = mock.workspace_id
    deadline = time.monotonic() + 60
    while True:
        state = bootstrap_state(srv, ws)
        if state["completed_endpoints"] >= 8:
            break
        assert state["status"] == "in_progress", state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    srv.kill()
    killed = bootstrap_state(srv, ws)
    assert killed["status"] == "in_progress"
    assert 0 < killed["completed_endpoints"] < killed["total_endpoints"], killed
    before = mock.stats()["by_request"]

    srv.start()
    state = wait_bootstrap(srv, ws, timeout=90)
    assert state["status"] == "completed", state
    assert state["started_at"] == killed["started_at"]  # the same run, resumed
    assert_resumed_once_per_page(mock, before)
    assert_cache_is_the_mocks_workspace(srv, mock)


def assert_resumed_once_per_page(mock, before: dict):
    """After a resume: no page was asked more than twice, what was asked twice was in flight
    when the first process died, and finished endpoints were not fetched again."""
    after = mock.stats()["by_request"]
    gets = {k: n for k, n in after.items() if k.startswith("GET ")}
    assert all(n <= 2 for n in gets.values()), {k: n for k, n in gets.items() if n > 2}
    repeated = [k for k, n in gets.items() if n == 2]
    assert len(repeated) <= 3, repeated
    assert all(before.get(k, 0) == 1 for k in repeated)
    for key in ("GET /api/v1/user", "GET /api/v1/workspaces"):
        assert after[key] == 1, key


@postgres_only
def test_two_instances_run_one_bootstrap_and_the_survivor_takes_it_over(make_server, make_mock,
                                                                        session_tmp):
    """Two instances on one PostgreSQL database: the one the install reached runs the bootstrap
    and the other never runs it beside it; SIGKILL the first and the other resumes the same run
    from its checkpoints once the lease has expired."""
    mock = make_mock()
    url = new_pg_database()
    shared = {"UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(session_tmp / f"two-{time.time_ns()}.key"),
              "UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": "8"}
    a = mock_installed_server(make_server, mock, shared, name="instance-a", db_url=url)
    port = free_port()
    b = make_server(dict(shared, UNIVERSAL_WEBHOOK_PORT=str(port),
                         UNIVERSAL_WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}",
                         UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL="true",
                         UNIVERSAL_WEBHOOK_EXTRA_EVENTS=""), name="instance-b", db_url=url)
    ws = mock.workspace_id
    owners = set()
    deadline = time.monotonic() + 60
    while True:
        state = bootstrap_state(b, ws)  # the other instance sees the same run
        if state and state["claimed_by"]:
            owners.add(state["claimed_by"])
        if state and state["completed_endpoints"] >= 8:
            break
        assert state is None or state["status"] in ("pending", "in_progress"), state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    assert len(owners) == 1, f"one instance holds the run while it lives: {owners}"
    a.kill()
    killed = bootstrap_state(b, ws)
    assert killed["status"] == "in_progress"
    assert 0 < killed["completed_endpoints"] < killed["total_endpoints"], killed
    before = mock.stats()["by_request"]

    state = wait_bootstrap(b, ws, timeout=90)
    assert state["status"] == "completed", state
    assert state["started_at"] == killed["started_at"]  # the same run, resumed by the survivor
    assert_resumed_once_per_page(mock, before)
    assert_cache_is_the_mocks_workspace(b, mock)


def test_trigger_answers_202_then_409_while_running(make_server, make_mock, minter):
    mock = make_mock()
    srv = mock_installed_server(make_server, mock, {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": "5",
                                                    "UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL":
                                                        "false"})
    ws = mock.workspace_id
    assert bootstrap_state(srv, ws)["status"] == "pending"
    admin = user_token(minter, ws)
    r = srv.post("/ui/bootstrap/trigger", headers=ui_headers(admin))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "in_progress"
    again = srv.post("/ui/bootstrap/trigger", headers=ui_headers(admin))
    assert_error(again, 409, "conflict")
    # A user who may only read cannot start one.
    reader = user_token(minter, ws, role="USER")
    assert srv.post("/ui/bootstrap/trigger", headers=ui_headers(reader)).status_code == 403
    state = wait_bootstrap(srv, ws)
    assert state["status"] == "completed", state
    r = srv.post("/ui/bootstrap/trigger", headers=ui_headers(admin))
    assert r.status_code == 202, r.text


@pytest.mark.parametrize("settings,field", [
    ([{"id": "bootstrap.max_rps", "value": 0}], "settings[0].value"),
    ([{"id": "bootstrap.max_rps", "value": 51}], "settings[0].value"),
    ([{"id": "bootstrap.time_entry_days_back", "value": 0}], "settings[0].value"),
    ({"bootstrap": {"max_rps": 51}}, "settings.bootstrap.max_rps"),
])
def test_bad_bootstrap_settings_are_refused_and_change_nothing(installed, minter, settings,
                                                                field):
    srv, mock, _ = installed
    ws = mock.workspace_id
    before = srv.query("SELECT settings_json FROM universal_webhook_installation "
                       "WHERE workspace_id = ?", (ws,))[0]["settings_json"]
    state_before = bootstrap_state(srv, ws)
    requests_before = mock.workspace_stats()["requests"]
    r = srv.lifecycle("settings-updated", ws, {"workspaceId": ws, "settings": settings},
                      minter=minter)
    err = assert_error(r, 400, "validation_failed")
    assert err["field"] == field
    time.sleep(0.5)
    assert srv.query("SELECT settings_json FROM universal_webhook_installation "
                     "WHERE workspace_id = ?", (ws,))[0]["settings_json"] == before
    assert bootstrap_state(srv, ws) == state_before
    assert mock.workspace_stats()["requests"] == requests_before


def test_a_change_of_bootstrap_settings_runs_it_again(make_server, make_mock, minter):
    mock = make_mock()
    srv = mock_installed_server(make_server, mock)
    ws = mock.workspace_id
    first = wait_bootstrap(srv, ws)
    assert first["status"] == "completed"
    entries_before = cached_ids(srv, ws, "time_entry")
    r = srv.lifecycle("settings-updated", ws, {"workspaceId": ws, "settings": [
        {"id": "bootstrap.time_entry_days_back", "value": 7}]}, minter=minter)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while bootstrap_state(srv, ws)["started_at"] == first["started_at"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = wait_bootstrap(srv, ws)
    assert second["status"] == "completed", second
    # The shorter window: entries older than 7 days are no longer cached.
    starts = sorted(time_entry_window_starts(mock))
    assert len(starts) == 2, starts
    assert (starts[1] - starts[0]).days == 30 - 7
    assert cached_ids(srv, ws, "time_entry") < entries_before
    assert_time_entries_are_the_window(srv, mock, starts[1])


def test_uninstall_stops_a_running_bootstrap(make_server, make_mock):
    mock = make_mock()
    srv = mock_installed_server(make_server, mock, {"UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": "2"})
    ws = mock.workspace_id
    time.sleep(1)
    r = mock.control("POST", "/uninstall", {"workspace_id": ws})
    assert r.status_code == 200, r.text
    state = wait_bootstrap(srv, ws, timeout=30)
    assert state["status"] == "error"
    assert state["error_message"] == "stopped: the add-on was uninstalled"
    requests = mock.workspace_stats()["requests"]
    time.sleep(1.5)
    assert mock.workspace_stats()["requests"] == requests


def test_new_project_then_project_deleted_adds_then_removes_it(make_clockify):
    """Webhooks keep the cache fresh: NEW_PROJECT comes through the manifest, PROJECT_DELETED
    through the Webhooks API registration (both delivered by the mock, signed)."""
    addon = make_clockify({"UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "true",
                           "UNIVERSAL_WEBHOOK_EXTRA_EVENTS": "PROJECT_DELETED"})
    srv, mock, ws = addon.server, addon.mock, addon.workspace
    assert addon.coverage()["PROJECT_DELETED"]["status"] == "registered"
    assert wait_bootstrap(srv, ws)["status"] == "completed"
    project = next(p for p in mock.state()["projects"] if not p["archived"])
    # A project the cache has never seen, then its deletion.
    body = dict(project, id="5f1185197db7a8637ffcaf1d", name="Brand new")
    for event, expect in (("NEW_PROJECT", {body["id"]}), ("PROJECT_DELETED", set())):
        r = mock.control("POST", "/emit", {"workspace_id": ws, "event": event, "body": body})
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 15
        while cached_ids(srv, ws, "project") & {body["id"]} != expect:
            assert time.monotonic() < deadline, f"{event} did not reach the cache"
            time.sleep(0.1)
