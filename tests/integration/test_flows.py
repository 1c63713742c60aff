"""No-code flows (SPEC §6, issue 6) against the simulated Clockify over real HTTP: the mock
installs the add-on, sends signed webhooks when its data changes, and serves the API the flows
call. Checks read the server's SQLite file and the mock's state independently."""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import (assert_error, http, install_into, new_workspace, sample_bytes, user_token,
                      wait_until)

# The seed's example (SPEC §6.1).
SEED_FLOW = {
    "name": "Archive internal projects", "description": "", "enabled": True,
    "trigger_source": "CLOCKIFY", "trigger_event_type": "NEW_TIME_ENTRY",
    "conditions": {"mode": "ALL", "rules": [
        {"path": "$.project.name", "operator": "==", "value": "Internal"},
        {"path": "$.timeInterval.duration", "operator": ">", "value": 3600}]},
    "actions": [{"type": "clockify_api", "operation_id": "updateProject",
                 "parameters": {"projectId": "{{webhook.project.id}}",
                                "body": {"archived": True}}}],
}

WS_MAIN = new_workspace()
WS_CHAIN = new_workspace()
WS_LOOP = new_workspace()
WS_HTTP = new_workspace()
WS_HTTP_ALLOWED = new_workspace()
E2E_WORKSPACES = [new_workspace() for _ in range(5)]


@pytest.fixture(scope="module")
def mock(make_mock):
    args = []
    for ws in [WS_MAIN, WS_CHAIN, WS_LOOP, WS_HTTP, WS_HTTP_ALLOWED, *E2E_WORKSPACES]:
        args += ["--workspace", ws]
    return make_mock(args)


@pytest.fixture(scope="module")
def srv(make_server, mock):
    return install_into(make_server, mock, [WS_MAIN, WS_CHAIN, WS_LOOP], name="flows")


def emit(mock, workspace, event, body=None, entity_id=None):
    """The mock sends `event` for an entity, or with `body` as the payload, to the add-on."""
    request = {"workspace_id": workspace, "event": event}
    if body is not None:
        request["body"] = body
    if entity_id is not None:
        request["entity_id"] = entity_id
    return mock.control("POST", "/emit", request, expect=202).json()


def workspace_settings(mock, workspace, settings):
    """SETTINGS_UPDATED from the mock, in Clockify's list form."""
    return mock.control("POST", "/lifecycle", {
        "type": "SETTINGS_UPDATED", "workspace_id": workspace,
        "body": {"settings": [{"id": k, "value": v} for k, v in settings.items()]}},
        expect=200).json()


class Ui:
    """The UI API as a workspace admin."""

    def __init__(self, server, token):
        self.server = server
        self.headers = {"X-Addon-Token": token, "Content-Type": "application/json"}

    def call(self, method, path, body=None, params=None):
        data = json.dumps(body).encode() if body is not None else None
        return http().request(method, self.server.url(path), data=data, headers=self.headers,
                              params=params, timeout=60)

    def ok(self, method, path, body=None, status=200, params=None):
        r = self.call(method, path, body, params)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text[:800]}"
        return r.json() if r.content else None

    def create(self, flow):
        return self.ok("POST", "/ui/flows", flow, status=201)

    def executions(self, flow_id, **params):
        return self.ok("GET", f"/ui/flows/{flow_id}/executions", params=params)["items"]

    def finished_executions(self, flow_id, n, timeout=60):
        def done():
            items = self.executions(flow_id, limit=500)
            return items if len(items) >= n and all(e["status"] != "running" for e in items) \
                else None
        return wait_until(done, timeout, 0.2, f"{n} executions of flow {flow_id}")


def entry_body(workspace, *, project_id, project_name, duration, entry_id):
    """The NEW_TIME_ENTRY sample, edited."""
    body = json.loads(sample_bytes("NEW_TIME_ENTRY"))
    body["id"] = entry_id
    body["workspaceId"] = workspace
    body["projectId"] = project_id
    body["project"]["id"] = project_id
    body["project"]["name"] = project_name
    body["project"]["workspaceId"] = workspace
    body["timeInterval"]["duration"] = duration
    return body


def received(server, workspace, n, event=None):
    sql = "SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id = ?"
    params = [workspace]
    if event:
        sql += " AND event_type = ?"
        params.append(event)
    return wait_until(lambda: server.query(sql, params)[0]["n"] >= n, 60, 0.1,
                      f"{n} webhooks for {workspace}")


# --------------------------------------------------------------------------------------------
# CRUD and validation
# --------------------------------------------------------------------------------------------
def test_flow_crud_validation_names_the_field(srv, minter):
    ui = Ui(srv, user_token(minter, WS_MAIN))
    created = ui.create(dict(SEED_FLOW, name="crud"))
    assert created["id"] > 0 and created["workspace_id"] == WS_MAIN
    assert created["actions"] == SEED_FLOW["actions"] and created["enabled"] is True
    assert created["paused_reason"] is None
    assert ui.ok("GET", f"/ui/flows/{created['id']}") == created
    listed = ui.ok("GET", "/ui/flows", params={"limit": 500})
    assert created["id"] in [f["id"] for f in listed["items"]]

    bad = dict(SEED_FLOW)
    bad["actions"] = SEED_FLOW["actions"] + [dict(SEED_FLOW["actions"][0],
                                                 operation_id="update-project")]
    err = assert_error(ui.call("POST", "/ui/flows", bad), 400, "validation_failed")
    assert err["field"] == "actions[1].operation_id"
    assert err["message"] == ("actions[1].operation_id: unknown operation 'update-project', "
                              "did you mean 'updateProject'?")
    cases = [
        ({"conditions": {"rules": [{"path": "$..[", "operator": "==", "value": 1}]}},
         "conditions.rules[0].path"),
        ({"trigger_event_type": "NEW_TIMEENTRY"}, "trigger_event_type"),
        ({"actions": [{"type": "clockify_api", "operation_id": "getProject",
                       "parameters": {"projectId": "{{webhook.project.id"}}]},
         "actions[0].parameters.projectId"),
        ({"actions": [{"type": "clockify_api", "operation_id": "getProject",
                       "parameters": {"projectId": "{{actions[1].result.id}}"}},
                      SEED_FLOW["actions"][0]]}, "actions[0].parameters"),
        ({"name": ""}, "name"),
    ]
    for change, field in cases:
        err = assert_error(ui.call("POST", "/ui/flows", dict(SEED_FLOW, **change)), 400,
                           "validation_failed", str(change))
        assert err["field"] == field, err
    assert_error(ui.call("POST", "/ui/flows", None), 400, "invalid_json")
    assert_error(ui.call("POST", "/ui/flows", dict(SEED_FLOW, workspace_id=WS_CHAIN)), 403,
                 "forbidden")

    # PUT merges: {"enabled": false} alone keeps the rest.
    updated = ui.ok("PUT", f"/ui/flows/{created['id']}", {"enabled": False})
    assert updated["enabled"] is False and updated["actions"] == created["actions"]
    err = assert_error(ui.call("PUT", f"/ui/flows/{created['id']}",
                               {"actions": [{"type": "clockify_api", "operation_id": "nope"}]}),
                       400, "validation_failed")
    assert err["field"] == "actions[0].operation_id"
    assert ui.ok("GET", f"/ui/flows/{created['id']}")["enabled"] is False  # nothing changed

    # Other workspaces and read-only users.
    other = Ui(srv, user_token(minter, WS_CHAIN))
    assert_error(other.call("GET", f"/ui/flows/{created['id']}"), 404, "not_found")
    assert_error(other.call("DELETE", f"/ui/flows/{created['id']}"), 404, "not_found")
    viewer = Ui(srv, user_token(minter, WS_MAIN, role="TEAM_MANAGER"))
    assert viewer.call("POST", "/ui/flows", SEED_FLOW).status_code == 403

    assert ui.call("DELETE", f"/ui/flows/{created['id']}").status_code == 204
    assert_error(ui.call("GET", f"/ui/flows/{created['id']}"), 404, "not_found")
    assert_error(ui.call("GET", "/ui/flows/abc"), 404, "not_found")


# --------------------------------------------------------------------------------------------
# The seed's example on real data
# --------------------------------------------------------------------------------------------
def test_seed_example_archives_the_project_for_two_hours_and_not_for_half_an_hour(srv, mock, minter):
    ui = Ui(srv, user_token(minter, WS_MAIN))
    flow = ui.create(SEED_FLOW)
    projects = [p for p in mock.state(WS_MAIN)["projects"] if not p["archived"]]
    assert len(projects) >= 2, "the mock's seed has too few projects"
    long_project, short_project = projects[0], projects[1]

    long_entry = entry_body(WS_MAIN, project_id=long_project["id"], project_name="Internal",
                            duration="PT2H", entry_id="e-long-0001")
    short_entry = entry_body(WS_MAIN, project_id=short_project["id"], project_name="Internal",
                             duration="PT30M", entry_id="e-short-0001")
    before = srv.query("SELECT COALESCE(MAX(id), 0) AS m FROM universal_webhook_log")[0]["m"]
    assert emit(mock, WS_MAIN, "NEW_TIME_ENTRY", long_entry)["deliveries"] == 1
    assert emit(mock, WS_MAIN, "NEW_TIME_ENTRY", short_entry)["deliveries"] == 1

    rows = wait_until(lambda: (lambda r: r if len(r) == 2 and all(x["status"] == "processed"
                                                                   for x in r) else None)(
        srv.query("SELECT id, status, flows_matched, payload_json FROM universal_webhook_log "
                  "WHERE id > ? AND workspace_id = ? AND event_type = 'NEW_TIME_ENTRY' "
                  "ORDER BY id", (before, WS_MAIN))),
        60, 0.1, "both webhooks processed")
    long_row, short_row = rows
    assert json.loads(long_row["payload_json"])["id"] == "e-long-0001"
    assert (long_row["flows_matched"], short_row["flows_matched"]) == (1, 0)

    executions = ui.finished_executions(flow["id"], 1)
    assert len(executions) == 1
    e = executions[0]
    assert e["webhook_id"] == long_row["id"] and e["status"] == "success"
    assert e["flow_name"] == SEED_FLOW["name"] and e["actions"][0]["operation_id"] == "updateProject"
    assert e["actions"][0]["status_code"] == 200
    assert e["actions"][0]["request"]["method"] == "PUT"
    assert e["actions"][0]["request"]["url"].endswith(
        f"/v1/workspaces/{WS_MAIN}/projects/{long_project['id']}")
    assert e["actions"][0]["result"]["archived"] is True

    last = ui.ok("GET", f"/ui/flows/{flow['id']}")["last_execution"]
    assert (last["id"], last["status"]) == (e["id"], "success")
    state = {p["id"]: p for p in mock.state(WS_MAIN)["projects"]}
    assert state[long_project["id"]]["archived"] is True
    assert state[short_project["id"]]["archived"] is False

    # GET /ui/webhooks/{id} lists the webhook's executions; the short one has none.
    detail = ui.ok("GET", f"/ui/webhooks/{long_row['id']}")
    assert [x["id"] for x in detail["executions"]] == [e["id"]]
    assert detail["flows_matched"] == 1 and detail["attempts"] == 1
    assert ui.ok("GET", f"/ui/webhooks/{short_row['id']}")["executions"] == []

    # A dry run over HTTP: the conditions' outcome and the rendered request, nothing sent.
    calls_before = mock.stats()["by_operation"].get("updateProject", 0)
    dry = ui.ok("POST", f"/ui/flows/{flow['id']}/test", {"webhook_id": short_row["id"]})
    assert dry["dry_run"] is True and dry["trigger_matched"] is True and dry["matched"] is False
    assert [r["passed"] for r in dry["conditions"]["rules"]] == [True, False]
    assert dry["actions"][0]["request"]["url"].endswith(f"/projects/{short_project['id']}")
    dry = ui.ok("POST", f"/ui/flows/{flow['id']}/test",
                {"payload": long_entry, "event_type": "NEW_TIME_ENTRY"})
    assert dry["matched"] is True
    assert mock.stats()["by_operation"].get("updateProject", 0) == calls_before

    # Replay: a new execution marked replay with the id of the one it repeats.
    replayed = ui.ok("POST", f"/ui/webhooks/{long_row['id']}/replay")
    assert len(replayed["executions"]) == 1
    r = replayed["executions"][0]
    assert r["trigger"] == "replay" and r["replay_of"] == e["id"] and r["status"] == "success"
    assert mock.stats()["by_operation"]["updateProject"] == calls_before + 1
    assert len(ui.ok("GET", f"/ui/webhooks/{long_row['id']}")["executions"]) == 2

    dashboard = ui.ok("GET", "/ui/dashboard")
    assert dashboard["flows"]["total"] >= 1 and dashboard["flows"]["enabled"] >= 1
    assert dashboard["executions_24h"]["by_status"].get("success", 0) >= 2
    # The chart's runs per hour: the webhooks' 24 clock hours, adding up to every run of the
    # workspace's flows, as their own lists count them (the two of this flow in the last bucket,
    # or the one before it when the hour turned meanwhile).
    by_hour = dashboard["executions_24h"]["by_hour"]
    assert by_hour["start"] == dashboard["webhooks_24h"]["by_hour"]["start"]
    counts = by_hour["counts"]
    listed = sum(len(ui.ok("GET", f"/ui/flows/{f['id']}/executions?limit=500")["items"])
                 for f in ui.ok("GET", "/ui/flows?limit=500")["items"])
    assert len(counts) == 24 and sum(counts) == listed == dashboard["executions_24h"]["total"]
    assert counts[-1] + counts[-2] >= 2
    ui.ok("PUT", f"/ui/flows/{flow['id']}", {"enabled": False})


# --------------------------------------------------------------------------------------------
# Chaining, type preservation, a missing variable
# --------------------------------------------------------------------------------------------
def test_chained_actions_keep_types_and_a_missing_variable_names_the_template(srv, mock, minter):
    ui = Ui(srv, user_token(minter, WS_CHAIN))
    chain = ui.create({
        "name": "tag then rename it", "trigger_event_type": "NEW_TIME_ENTRY",
        "conditions": {"rules": [{"path": "$.description", "operator": "==",
                                  "value": "chain me"}]},
        "actions": [
            {"type": "clockify_api", "operation_id": "createNewTag",
             "parameters": {"body": {"name": "chain-{{webhook.id}}"}}},
            {"type": "clockify_api", "operation_id": "updateTag",
             "parameters": {"id": "{{actions[0].result.id}}",
                            "body": {"name": "renamed {{actions[0].result.name}}",
                                     "archived": "{{actions[0].result.archived}}"}}}]})
    missing = ui.create({
        "name": "needs a field the payload lacks", "trigger_event_type": "NEW_TIME_ENTRY",
        "conditions": {"rules": [{"path": "$.description", "operator": "==",
                                  "value": "chain me"}]},
        "actions": [{"type": "clockify_api", "operation_id": "getProject",
                     "parameters": {"projectId": "{{webhook.externalProjectId}}"}}]})
    body = entry_body(WS_CHAIN, project_id="p-none", project_name="X", duration="PT1H",
                      entry_id="chain-0001")
    body["description"] = "chain me"
    emit(mock, WS_CHAIN, "NEW_TIME_ENTRY", body)

    e = ui.finished_executions(chain["id"], 1)[0]
    assert e["status"] == "success", e
    created, renamed = e["actions"]
    tag_id = created["result"]["id"]
    assert created["status_code"] == 201 and created["result"]["name"] == "chain-chain-0001"
    assert renamed["request"]["url"].endswith(f"/tags/{tag_id}")
    # A string that is exactly one template keeps the value's JSON type.
    assert renamed["request"]["body"] == {"name": "renamed chain-chain-0001", "archived": False}
    tags = {t["id"]: t for t in mock.state(WS_CHAIN)["tags"]}
    assert tags[tag_id]["name"] == "renamed chain-chain-0001"
    assert tags[tag_id]["archived"] is False

    m = ui.finished_executions(missing["id"], 1)[0]
    assert m["status"] == "error"
    assert "{{webhook.externalProjectId}}" in m["error_message"], m
    assert m["actions"][0]["status"] == "error" and "request" not in m["actions"][0]
    for flow in (chain, missing):
        ui.ok("PUT", f"/ui/flows/{flow['id']}", {"enabled": False})


# --------------------------------------------------------------------------------------------
# The loop guard with real webhooks from the mock
# --------------------------------------------------------------------------------------------
def test_a_flow_that_retriggers_itself_stops_at_the_loop_guard(srv, mock, minter):
    ui = Ui(srv, user_token(minter, WS_LOOP))
    entries = [t for t in mock.state(WS_LOOP)["time_entries"]
               if t["timeInterval"].get("end")]
    assert entries, "the mock's seed has no finished time entry"
    entry = entries[0]
    flow = ui.create({
        "name": "touch the entry that changed", "trigger_event_type": "TIME_ENTRY_UPDATED",
        "actions": [{"type": "clockify_api", "operation_id": "updateTimeEntry",
                     "parameters": {"id": "{{webhook.id}}", "body": {
                         "start": "{{webhook.timeInterval.start}}",
                         "end": "{{webhook.timeInterval.end}}",
                         "projectId": "{{webhook.projectId}}",
                         "billable": "{{webhook.billable}}",
                         # Each update changes the entry, so each webhook back differs
                         # (byte-identical ones would be de-duplicated, ending the loop early).
                         "description": "{{webhook.description}} +1"}}}]})
    calls_before = mock.stats()["by_operation"].get("updateTimeEntry", 0)
    emit(mock, WS_LOOP, "TIME_ENTRY_UPDATED", entity_id=entry["id"])

    def paused():
        f = ui.ok("GET", f"/ui/flows/{flow['id']}")
        return f if not f["enabled"] else None
    f = wait_until(paused, 90, 0.2, "the loop guard to pause the flow")
    assert "loop guard" in f["paused_reason"] and entry["id"] in f["paused_reason"], f
    # Let the last webhook the mock sent back arrive and be consumed: nothing more runs.
    time.sleep(2)
    executions = ui.executions(flow["id"], limit=500)
    statuses = sorted(e["status"] for e in executions)
    assert statuses == ["skipped"] + ["success"] * 10, statuses
    assert all(e["entity_id"] == entry["id"] for e in executions)
    assert mock.stats()["by_operation"]["updateTimeEntry"] - calls_before == 10
    skipped = [e for e in executions if e["status"] == "skipped"][0]
    assert skipped["error_message"] == f["paused_reason"]
    # The webhooks the guard refused are still logged.
    n = srv.query("SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id = ? AND "
                  "event_type = 'TIME_ENTRY_UPDATED'", (WS_LOOP,))[0]["n"]
    assert n >= 11


# --------------------------------------------------------------------------------------------
# http actions and the SSRF guard
# --------------------------------------------------------------------------------------------
class Sink:
    """A local HTTP server that counts what reaches it."""

    def __init__(self):
        sink = self
        self.requests: list[tuple[str, bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.requests.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received":true}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def http_flow(url):
    return {"name": f"notify {url}", "trigger_event_type": "NEW_TIME_ENTRY",
            "actions": [{"type": "http", "method": "POST", "url": url,
                         "headers": {"X-Api-Key": "k-123"},
                         "body": {"entry": "{{webhook.id}}", "seconds": 7200}}]}


@pytest.mark.parametrize("allow_private", [False, True])
def test_http_actions_to_private_addresses_need_configuration(make_server, mock, minter,
                                                              allow_private):
    ws = WS_HTTP_ALLOWED if allow_private else WS_HTTP
    sink = Sink()
    try:
        server = install_into(make_server, mock, [ws], env={
            "UNIVERSAL_WEBHOOK_FLOW_ENABLE_GENERIC_HTTP_ACTIONS": "true",
            "UNIVERSAL_WEBHOOK_HTTP_ACTION_ALLOW_PRIVATE": "true" if allow_private else "false",
        }, name="ssrf")
        workspace_settings(mock, ws, {"flows.enable_generic_http_actions": True})
        ui = Ui(server, user_token(minter, ws))
        local = ui.create(http_flow(f"http://127.0.0.1:{sink.port}/hook"))
        # The metadata address is only tried without the allowance (with it, it would be sent).
        metadata = None if allow_private else ui.create(
            http_flow("http://169.254.169.254/latest/meta-data/"))
        emit(mock, ws, "NEW_TIME_ENTRY", entry_body(ws, project_id="p", project_name="X",
                                                    duration="PT1H", entry_id="ssrf-1"))
        e_local = ui.finished_executions(local["id"], 1)[0]
        if metadata is not None:
            e_meta = ui.finished_executions(metadata["id"], 1)[0]
            assert e_meta["status"] == "error", e_meta
            assert "169.254.169.254 is a cloud metadata address" in e_meta["error_message"]
        # The recorded request has the key redacted.
        assert e_local["actions"][0]["request"]["headers"]["X-Api-Key"] == "[redacted]"
        if allow_private:
            assert e_local["status"] == "success", e_local
            assert e_local["actions"][0]["result"] == {"received": True}
            assert len(sink.requests) == 1
            path, body = sink.requests[0]
            assert path == "/hook" and json.loads(body) == {"entry": "ssrf-1", "seconds": 7200}
        else:
            assert e_local["status"] == "error"
            assert "127.0.0.1 is a loopback address" in e_local["error_message"], e_local
            assert sink.requests == []
        server.stop()
    finally:
        sink.close()


# --------------------------------------------------------------------------------------------
# End to end: 1,000 webhooks, 5 workspaces, 3 flows each, a SIGKILL in the middle
# --------------------------------------------------------------------------------------------
E2E_FLOWS = [
    # every entry: read its project (GET)
    {"name": "read the project", "trigger_event_type": "NEW_TIME_ENTRY",
     "actions": [{"type": "clockify_api", "operation_id": "getProject",
                  "parameters": {"projectId": "{{webhook.projectId}}"}}]},
    # long entries: note it on the project (PUT, idempotent)
    {"name": "note long entries", "trigger_event_type": "NEW_TIME_ENTRY",
     "conditions": {"rules": [{"path": "$.timeInterval.duration", "operator": ">",
                               "value": 3600}]},
     "actions": [{"type": "clockify_api", "operation_id": "updateProject",
                  "parameters": {"projectId": "{{webhook.projectId}}",
                                 "body": {"note": "last long entry {{webhook.id}}"}}}]},
    # billable entries: look its tags up (GET with a query)
    {"name": "billable tags", "trigger_event_type": "NEW_TIME_ENTRY",
     "conditions": {"mode": "ALL", "rules": [{"path": "$.billable", "operator": "==",
                                              "value": True}]},
     "actions": [{"type": "clockify_api", "operation_id": "getTags",
                  "parameters": {"name": "{{webhook.description}}", "page-size": 5}}]},
]


def test_thousand_webhooks_run_once_each_in_order_across_a_sigkill(make_server, mock, minter):
    server = install_into(make_server, mock, E2E_WORKSPACES, env={
        "UNIVERSAL_WEBHOOK_QUEUE_WORKERS": "5",
        "UNIVERSAL_WEBHOOK_QUEUE_LEASE_SECONDS": "3",
    }, name="e2e")
    flows = {}  # workspace → [flow ids] in E2E_FLOWS order
    for ws in E2E_WORKSPACES:
        ui = Ui(server, user_token(minter, ws))
        flows[ws] = [ui.create(f)["id"] for f in E2E_FLOWS]
    project = {ws: mock.state(ws)["projects"][0]["id"] for ws in E2E_WORKSPACES}

    # 1,000 distinct entries, 200 per workspace, interleaved; expected flows computed here.
    expected = {}  # entry id → set of flow ids
    bodies = []
    for i in range(1000):
        ws = E2E_WORKSPACES[i % 5]
        entry_id = f"e2e-{i:05d}"
        body = entry_body(ws, project_id=project[ws], project_name="E2E",
                          duration="PT2H" if i % 2 == 0 else "PT30M", entry_id=entry_id)
        body["billable"] = i % 3 == 0
        body["description"] = f"entry {i}"
        want = {flows[ws][0]}
        if i % 2 == 0:
            want.add(flows[ws][1])
        if i % 3 == 0:
            want.add(flows[ws][2])
        expected[entry_id] = want
        bodies.append((ws, body))
    stats_before = mock.stats()["by_operation"]
    for ws, body in bodies:
        assert emit(mock, ws, "NEW_TIME_ENTRY", body)["deliveries"] == 1
    # Every webhook is committed before the kill (the mock would not deliver to a dead server).
    # (The projects' PROJECT_UPDATED webhooks come back too: the add-on registered that event.)
    wait_until(lambda: server.query(
        "SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id IN (?,?,?,?,?) "
        "AND event_type = 'NEW_TIME_ENTRY'", E2E_WORKSPACES)[0]["n"] >= 1000, 120, 0.2,
        "1000 webhooks received")
    total = sum(len(v) for v in expected.values())

    def executions():
        return server.query("SELECT COUNT(*) AS n FROM universal_webhook_flow_execution "
                            "WHERE workspace_id IN (?,?,?,?,?)", E2E_WORKSPACES)[0]["n"]
    wait_until(lambda: executions() >= total * 0.3, 180, 0.05, "30% of the executions")
    server.kill()
    at_kill = executions()
    assert at_kill < total, "everything finished before the kill; the test proves nothing"
    server.start()
    wait_until(lambda: server.query(
        "SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id IN (?,?,?,?,?) "
        "AND status IN ('received', 'processing')", E2E_WORKSPACES)[0]["n"] == 0,
        240, 0.2, "the queue to drain after the restart")

    rows = server.query(
        "SELECT e.id, e.workspace_id, e.flow_id, e.webhook_log_id, e.status, e.trigger_kind, "
        "e.actions_executed, e.result_json, e.started_at, e.completed_at, l.payload_json "
        "FROM universal_webhook_flow_execution e JOIN universal_webhook_log l "
        "ON l.id = e.webhook_log_id WHERE e.workspace_id IN (?,?,?,?,?)", E2E_WORKSPACES)
    got = defaultdict(list)
    for r in rows:
        got[json.loads(r["payload_json"])["id"]].append(r)
    # Every expected execution exists exactly once, and no other.
    assert set(got) == set(expected)
    for entry_id, want in expected.items():
        flow_ids = sorted(r["flow_id"] for r in got[entry_id])
        assert flow_ids == sorted(want), (entry_id, flow_ids, want)
    # No action skipped: every run finished, its one action on record as a success.
    bad = [(r["id"], r["status"]) for r in rows
           if r["status"] != "success" or r["actions_executed"] != 1]
    assert bad == [], bad[:10]
    for r in rows:
        actions = json.loads(r["result_json"])["actions"]
        assert len(actions) == 1 and actions[0]["status"] == "success", r["id"]
    assert all(r["trigger_kind"] == "automatic" for r in rows)

    # Per-workspace order: webhook N+1's runs start only after webhook N's have completed.
    webhooks = server.query(
        "SELECT id, workspace_id, status, processed_at, flows_matched, attempts "
        "FROM universal_webhook_log WHERE workspace_id IN (?,?,?,?,?) "
        "AND event_type = 'NEW_TIME_ENTRY' ORDER BY id", E2E_WORKSPACES)
    assert all(w["status"] == "processed" for w in webhooks)
    by_webhook = defaultdict(list)
    for r in rows:
        by_webhook[r["webhook_log_id"]].append(r)
    for ws in E2E_WORKSPACES:
        mine = [w for w in webhooks if w["workspace_id"] == ws]
        assert len(mine) == 200
        finished_before = ""
        for w in mine:
            runs = by_webhook[w["id"]]
            assert w["flows_matched"] == len(runs)
            for r in runs:
                assert r["started_at"] >= finished_before, (ws, w["id"], r["started_at"],
                                                            finished_before)
            if runs:
                finished_before = max(r["completed_at"] for r in runs)
            assert w["processed_at"] >= finished_before

    # The loop guard did not trip on distinct entities.
    for ws in E2E_WORKSPACES:
        ui = Ui(server, user_token(minter, ws))
        assert all(f["enabled"] for f in ui.ok("GET", "/ui/flows")["items"])
    # Every action reached the mock at least once (at least once: a request in flight at the
    # kill may have been repeated).
    stats = mock.stats()["by_operation"]
    for op, n in (("getProject", 1000), ("updateProject", 500), ("getTags", 334)):
        assert stats.get(op, 0) - stats_before.get(op, 0) >= n, (op, stats.get(op))
    taken_again = sum(1 for w in webhooks if w["attempts"] > 1)
    assert taken_again > 0, "no webhook was taken up after the restart"
    repeated = sum(1 for r in rows if json.loads(r["result_json"])["actions"][0].get(
        "repeated_after_restart"))
    print(f"e2e: {len(rows)} executions, {at_kill} before the SIGKILL; {taken_again} webhooks "
          f"taken up again, {repeated} actions in flight sent again")
    server.stop()


# --------------------------------------------------------------------------------------------
# SIGTERM stops a run at an action boundary; the restart finishes it without repeating
# --------------------------------------------------------------------------------------------
def test_sigterm_stops_at_an_action_boundary_and_the_restart_finishes_the_run(make_server, mock,
                                                                               minter):
    ws = new_workspace()  # the mock seeds it when the add-on is installed into it
    server = install_into(make_server, mock, [ws], name="sigterm")
    ui = Ui(server, user_token(minter, ws))
    project = mock.state(ws)["projects"][0]["id"]
    flow = ui.create({"name": "three slow reads", "trigger_event_type": "NEW_TIME_ENTRY",
                      "actions": [{"type": "clockify_api", "operation_id": "getProject",
                                   "parameters": {"projectId": "{{webhook.projectId}}"}}] * 3})
    before = mock.stats()["by_operation"].get("getProject", 0)
    mock.set_faults(latency_ms=1500)
    try:
        emit(mock, ws, "NEW_TIME_ENTRY", entry_body(ws, project_id=project, project_name="P",
                                                    duration="PT1H", entry_id="term-1"))
        wait_until(lambda: ui.executions(flow["id"]), 30, 0.05, "the run to start")
        assert server.stop() == 0
    finally:
        mock.clear_faults()
    row = server.query("SELECT status, actions_executed, result_json FROM "
                       "universal_webhook_flow_execution WHERE flow_id = ?", (flow["id"],))[0]
    actions = json.loads(row["result_json"])["actions"]
    assert row["status"] == "running" and 1 <= row["actions_executed"] < 3, dict(row)
    # Stopped at a boundary: the action in flight finished and is on record.
    assert all(a["status"] == "success" for a in actions), actions
    sent_before_restart = mock.stats()["by_operation"]["getProject"] - before
    assert sent_before_restart == len(actions)

    server.start()
    e = ui.finished_executions(flow["id"], 1)[0]
    assert e["status"] == "success" and e["actions_executed"] == 3, e
    assert [a["status"] for a in e["actions"]] == ["success"] * 3
    assert not any(a.get("repeated_after_restart") for a in e["actions"])
    assert mock.stats()["by_operation"]["getProject"] - before == 3  # none sent twice
    webhook = server.query("SELECT status, attempts, flows_matched FROM universal_webhook_log "
                           "WHERE workspace_id = ? AND event_type = 'NEW_TIME_ENTRY'", (ws,))[0]
    assert (webhook["status"], webhook["attempts"], webhook["flows_matched"]) == ("processed", 2, 1)
    server.stop()
