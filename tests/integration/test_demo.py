"""`uwh demo --once` (issue 9): the whole story in one process, checked against its SQLite file.

The demo prints what it did; these tests read the database it leaves in --dir and check that the
printed story is what happened: the flows it created, the webhooks it received, the executions
and their API calls, and the change in the simulated Clockify as the add-on's own cache saw it
come back through TIME_ENTRY_UPDATED and NEW_TASK webhooks.
"""
from __future__ import annotations

import json
import re
import socket

import pytest

from conftest import SHARED, assert_no_jwt, free_port, query_database, run_uwh, sqlite_only

OPENAPI = SHARED / "clockify" / "openapi.json"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    port = free_port()
    proc = run_uwh(["demo", "--once", "--dir", str(data), "--port", str(port),
                    "--openapi", str(OPENAPI)], timeout=180)
    out = proc.stdout.decode()
    err = proc.stderr.decode()
    assert proc.returncode == 0, f"uwh demo exited {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    return {"dir": data, "port": port, "out": out, "err": err,
            "db": f"sqlite:///{data / 'uwh.db'}"}


def rows(demo, sql, params=()):
    return query_database(demo["db"], sql, params)


def printed(pattern: str, text: str) -> re.Match:
    m = re.search(pattern, text)
    assert m, f"not in the demo's output: {pattern!r}\n{text}"
    return m


@sqlite_only
def test_it_listens_where_it_says_and_keeps_the_data_in_dir(demo):
    printed(rf"add-on server\s+http://127\.0\.0\.1:{demo['port']}\s", demo["out"])
    printed(re.escape(f"SQLite {demo['dir']}/uwh.db"), demo["out"])
    assert (demo["dir"] / "uwh.db").is_file()
    assert "Done (--once)." in demo["out"]


@sqlite_only
def test_the_bootstrap_it_reports_is_the_one_in_the_database(demo):
    m = printed(r"completed: (\d+) endpoints in ([\d.]+) s, (\d+) entities cached\n"
                r"\s+by type: (.+)\n", demo["out"])
    state = rows(demo, "SELECT status, completed_endpoints FROM universal_webhook_bootstrap_state")
    assert [(r["status"], r["completed_endpoints"]) for r in state] == [("completed", int(m[1]))]
    by_type = {}
    for part in m[4].split(", "):
        name, count = part.rsplit(" ", 1)
        by_type[name] = int(count)
    assert sum(by_type.values()) == int(m[3])
    now = {r["entity_type"]: r["n"] for r in rows(
        demo, "SELECT entity_type, COUNT(*) AS n FROM universal_webhook_entity_cache "
              "GROUP BY entity_type")}
    # Since the report, the flows added one task (NEW_TASK) and changed one time entry in place.
    expected = dict(by_type)
    expected["task"] = expected.get("task", 0) + 1
    assert now == expected


@sqlite_only
def test_two_flows_were_created_through_the_api(demo):
    flows = rows(demo, "SELECT id, name, trigger_event_type, enabled FROM universal_webhook_flow "
                       "ORDER BY id")
    assert [(f["name"], f["trigger_event_type"], bool(f["enabled"])) for f in flows] == [
        ("Tag meetings", "NEW_TIME_ENTRY", True),
        ("Kick-off task for new projects", "NEW_PROJECT", True)]
    for f in flows:
        printed(rf"flow {f['id']} \"{re.escape(f['name'])}\"", demo["out"])


@sqlite_only
def test_every_webhook_it_counts_was_committed_and_handled(demo):
    log = rows(demo, "SELECT event_type, status, source FROM universal_webhook_log ORDER BY id")
    assert {r["source"] for r in log} == {"CLOCKIFY"}
    assert all(r["status"] == "processed" for r in log), [tuple(r) for r in log]
    counts = {}
    for r in log:
        counts[r["event_type"]] = counts.get(r["event_type"], 0) + 1
    assert counts == {"NEW_TIME_ENTRY": 2, "NEW_PROJECT": 1, "TIME_ENTRY_UPDATED": 1,
                      "NEW_TASK": 1}
    printed(rf"The add-on received {len(log)} webhooks", demo["out"])
    for event, n in counts.items():
        printed(rf"\n\s+{event}: {n} processed\n", demo["out"])


@sqlite_only
def test_executions_succeeded_with_the_api_calls_it_prints(demo):
    execs = rows(demo, "SELECT e.id, e.status, e.result_json, f.name FROM "
                       "universal_webhook_flow_execution e JOIN universal_webhook_flow f "
                       "ON f.id = e.flow_id ORDER BY e.id")
    assert [(e["name"], e["status"]) for e in execs] == [
        ("Tag meetings", "success"), ("Kick-off task for new projects", "success")]
    for e in execs:
        actions = json.loads(e["result_json"])["actions"]
        assert len(actions) == 1 and actions[0]["status"] == "success", actions
        req = actions[0]["request"]
        printed(rf"execution {e['id']} of flow \d+ \"{re.escape(e['name'])}\" for webhook \d+: "
                rf"success\n\s+{actions[0]['operation_id']}: {req['method']} "
                rf"{re.escape(req['url'])} -> {actions[0]['status_code']} ", demo["out"])
    # Only the meeting-like entry ran flow 1; the other NEW_TIME_ENTRY matched nothing.
    printed(r"matched no flow: no execution\.", demo["out"])


@sqlite_only
def test_the_mocks_state_changed_as_printed(demo):
    out = demo["out"]
    entry = printed(r"NEW_TIME_ENTRY for time entry ([0-9a-f]{24}) \"([^\"]+)\": flow \"Tag "
                    r"meetings\" should run", out)
    printed(rf"time entry {entry[1]} \"{re.escape(entry[2])}\": tags \[[^\]]*\] -> "
            r"\[([^\]]*\b)?meeting\b", out)
    # The add-on's cache holds what the mock sent back after the flow's PUT: the entry, tagged.
    meeting_tags = [json.loads(r["data_json"])["id"] for r in rows(
        demo, "SELECT data_json FROM universal_webhook_entity_cache WHERE entity_type = 'tag'")
        if json.loads(r["data_json"]).get("name") == "meeting"]
    assert len(meeting_tags) == 1
    cached = rows(demo, "SELECT data_json FROM universal_webhook_entity_cache "
                        "WHERE entity_type = 'time_entry' AND entity_id = ?", (entry[1],))
    assert len(cached) == 1
    cached_entry = json.loads(cached[0]["data_json"])
    assert cached_entry["tagIds"] == meeting_tags
    assert cached_entry["description"] == entry[2]

    project = printed(r"NEW_PROJECT for project ([0-9a-f]{24}) \"([^\"]+)\"", out)
    change = printed(rf"project {project[1]} \"{re.escape(project[2])}\": (\d+) tasks -> (\d+), "
                     rf"the new one \"Kick-off: {re.escape(project[2])}\"", out)
    assert int(change[2]) == int(change[1]) + 1
    tasks = [json.loads(r["data_json"]) for r in rows(
        demo, "SELECT data_json FROM universal_webhook_entity_cache WHERE entity_type = 'task'")]
    assert [t["projectId"] for t in tasks if t["name"] == f"Kick-off: {project[2]}"] == [project[1]]


@sqlite_only
def test_the_ui_instructions_mint_a_working_token_and_nothing_secret_is_printed(demo):
    assert_no_jwt(demo["out"] + demo["err"], "uwh demo output")
    m = printed(r"echo \"http://127\.0\.0\.1:(\d+)/ui\?auth_token=\$\((\S+) (dev token [^)]+)\)\"",
                demo["out"])
    assert int(m[1]) == demo["port"]
    args = m[3].split()
    assert args[:2] == ["dev", "token"] and "--workspace" in args and "--key" in args
    # The key lives in --dir, so the printed command works as long as the data is kept.
    token = run_uwh(args, check=True, record_output=False).stdout.decode().strip()
    assert token.count(".") == 2


def test_a_busy_port_given_with_port_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        proc = run_uwh(["demo", "--once", "--dir", str(tmp_path), "--port", str(busy),
                        "--openapi", str(OPENAPI)], timeout=60)
    assert proc.returncode == 1
    assert f"port {busy} is not free" in proc.stderr.decode()


def test_without_the_openapi_document_it_says_what_it_needs(tmp_path):
    proc = run_uwh(["demo", "--once", "--dir", str(tmp_path), "--openapi",
                    str(tmp_path / "missing.json")], timeout=30)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "openapi.json" in err and "missing.json" in err and "is not a file" in err
