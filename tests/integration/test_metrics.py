"""GET /metrics (SPEC §4.1, §10): Prometheus text format, every metric of the spec listed, counts
that match what the test sent, labels that are route patterns and bounded vocabularies, nothing
secret; and the JSON log lines carrying the context fields."""
from __future__ import annotations

import json
import math
import re

import pytest

from conftest import (assert_accepted, assert_error, create_custom_source, http, install,
                      install_into, new_workspace, sample_for, send_custom, user_token,
                      wait_until)

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"'
SAMPLE_RE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*\}})? (\S+)$")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"')
SPEC_METRICS = {
    "webhooks_received_total": "counter",
    "flows_executed_total": "counter",
    "api_calls_total": "counter",
    "bootstrap_duration_seconds": "histogram",
    "http_request_duration_seconds": "histogram",
    "ingest_queue_depth": "gauge",
    "webhook_queue_pending": "gauge",
}


class Exposition:
    """A strict reader of the text format 0.0.4: every line is HELP, TYPE or a sample of a
    family whose TYPE came first; histogram buckets are cumulative and end in +Inf = _count."""

    def __init__(self, text: str):
        assert text.endswith("\n"), "the exposition must end with a line feed"
        self.types: dict[str, str] = {}
        self.helps: dict[str, str] = {}
        self.samples: dict[tuple[str, frozenset], float] = {}
        for line in text.splitlines():
            if line.startswith("# HELP "):
                name, _, help_text = line[7:].partition(" ")
                assert re.fullmatch(NAME, name), line
                assert name not in self.helps, f"HELP twice for {name}"
                self.helps[name] = help_text
            elif line.startswith("# TYPE "):
                name, _, kind = line[7:].partition(" ")
                assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert name not in self.types, f"TYPE twice for {name}"
                self.types[name] = kind
            else:
                m = SAMPLE_RE.match(line)
                assert m, f"not a sample line: {line!r}"
                name, labels, value = m.group(1), m.group(2) or "", m.group(3)
                family = self._family(name)
                assert family in self.types, f"sample before its TYPE: {line!r}"
                key = (name, frozenset(LABEL_RE.findall(labels)))
                assert key not in self.samples, f"sample twice: {line!r}"
                self.samples[key] = float(value)
        for name, kind in self.types.items():
            if kind == "histogram":
                self._check_histogram(name)

    def _family(self, name: str) -> str:
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and self.types.get(base) == "histogram":
                return base
        return name

    def _check_histogram(self, name: str):
        series: dict[frozenset, list[tuple[float, float]]] = {}
        for (sample, labels), value in self.samples.items():
            if sample != name + "_bucket":
                continue
            le = dict(labels)["le"]
            rest = frozenset((k, v) for k, v in labels if k != "le")
            series.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le), value))
        for rest, buckets in series.items():
            buckets.sort()
            counts = [c for _, c in buckets]
            assert counts == sorted(counts), f"{name}{dict(rest)}: buckets not cumulative"
            assert buckets[-1][0] == math.inf, f"{name}{dict(rest)}: no +Inf bucket"
            assert self.samples[(name + "_count", rest)] == buckets[-1][1]
            assert (name + "_sum", rest) in self.samples

    def value(self, name: str, **labels) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        return {dict(ls)[label] for (n, ls) in self.samples if n == name and label in dict(ls)}


def scrape(server) -> Exposition:
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    return Exposition(r.text)


@pytest.fixture(scope="module")
def metrics_server(make_server):
    return make_server(name="metrics")


def test_metrics_is_public_and_lists_every_metric_of_the_spec(metrics_server):
    m = scrape(metrics_server)
    for name, kind in SPEC_METRICS.items():
        assert m.types.get(name) == kind, f"{name}: TYPE {m.types.get(name)}, want {kind}"
        assert m.helps.get(name), f"{name} has no HELP"
    # No flow has run and no bootstrap has finished, yet both are there, the histogram at zero.
    assert m.value("bootstrap_duration_seconds_count") == 0
    assert m.value("ingest_queue_depth") == 0


def test_webhook_counts_match_what_was_sent(metrics_server, minter):
    srv = metrics_server
    ws = new_workspace()
    tokens = install(srv, minter, ws, ["NEW_PROJECT", "NEW_TAG"])
    before = scrape(srv)

    accepted, duplicates, bad_signature, unknown_event = 23, 4, 3, 2
    first_body = None
    for i in range(accepted):
        body = sample_for("NEW_PROJECT", ws, name=f"metrics-{i}")
        first_body = first_body or body
        assert_accepted(srv.send_webhook("NEW_PROJECT", body, tokens["NEW_PROJECT"]))
    for _ in range(duplicates):
        r = srv.send_webhook("NEW_PROJECT", first_body, tokens["NEW_PROJECT"])
        assert_accepted(r)
        assert r.json()["duplicate"] is True
    for _ in range(bad_signature):
        # NEW_TAG's token on the NEW_PROJECT path: a real token, bound to another event.
        assert_error(srv.send_webhook("NEW_PROJECT", first_body, tokens["NEW_TAG"]), 401,
                     "invalid_signature")
    for i in range(unknown_event):
        assert_error(srv.send_webhook(f"NO_SUCH_EVENT_{i}", first_body, tokens["NEW_PROJECT"],
                                      path_event=None), 400, "unknown_event_type")

    after = scrape(srv)

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    received = "webhooks_received_total"
    assert delta(received, source="CLOCKIFY", event_type="NEW_PROJECT",
                 status="accepted") == accepted
    assert delta(received, source="CLOCKIFY", event_type="NEW_PROJECT",
                 status="duplicate") == duplicates
    assert delta(received, source="CLOCKIFY", event_type="NEW_PROJECT",
                 status="invalid_signature") == bad_signature
    # An unknown event type is input, not a label value.
    assert delta(received, source="CLOCKIFY", event_type="unknown",
                 status="unknown_event_type") == unknown_event
    assert not any(v.startswith("NO_SUCH_EVENT") for v in after.label_values(received,
                                                                             "event_type"))

    latency = "http_request_duration_seconds_count"
    route = "/webhooks/clockify/{event}"
    assert delta(latency, method="POST", route=route, status="2xx") == accepted + duplicates
    assert delta(latency, method="POST", route=route, status="4xx") == bad_signature
    assert delta(latency, method="POST", route="/webhooks/clockify",
                 status="4xx") == unknown_event
    assert after.value("ingest_queue_depth") >= 0


def write_database(server, sql: str, params=()):
    """A write the test makes behind the server's back (what another instance would do)."""
    if server.on_postgres:
        import psycopg2
        conn = psycopg2.connect(server.database_url)
        conn.autocommit = True
        conn.cursor().execute(sql.replace("?", "%s"), tuple(params))
        conn.close()
    else:
        import sqlite3
        conn = sqlite3.connect(server.database_url.split("sqlite:///", 1)[1], timeout=30)
        with conn:
            conn.execute(sql, params)
        conn.close()


def test_flow_runs_are_counted_and_pending_webhooks_are_a_gauge(make_server, make_mock, minter):
    ws = new_workspace()
    mock = make_mock(["--workspace", ws])
    srv = install_into(make_server, mock, [ws], name="metrics-flows",
                       # The mock's emits of one entity are byte-identical: keep each.
                       env={"UNIVERSAL_WEBHOOK_QUEUE_LEASE_SECONDS": "2",
                            "UNIVERSAL_WEBHOOK_DEDUP_WINDOW_SECONDS": "0"})
    headers = {"X-Addon-Token": user_token(minter, ws), "Content-Type": "application/json"}
    flow = {"name": "read the project", "trigger_event_type": "NEW_TIME_ENTRY",
            "actions": [{"type": "clockify_api", "operation_id": "getProject",
                         "parameters": {"projectId": "{{webhook.projectId}}"}}]}
    r = http().post(srv.url("/ui/flows"), json=flow, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    flow_id = r.json()["id"]
    wait_until(lambda: scrape(srv).value("webhook_queue_pending") == 0, 30, 0.2,
               "the install's webhooks to be consumed")

    # Another holder (as a second instance would be) keeps the workspace: its webhooks wait.
    write_database(srv, "INSERT INTO universal_webhook_queue_lease (workspace_id, owner, "
                   "lease_expires_at, acquired_at) VALUES (?, 'elsewhere', "
                   "'2099-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z') "
                   "ON CONFLICT (workspace_id) DO UPDATE SET owner = 'elsewhere', "
                   "lease_expires_at = '2099-01-01T00:00:00.000Z'", [ws])
    before = scrape(srv)
    n = 6
    # An entry with a project (a tenth of the seeded ones have none, and the flow reads it).
    entry = next(e for e in mock.state(ws)["time_entries"] if e.get("projectId"))
    for _ in range(n):
        mock.control("POST", "/emit", {"workspace_id": ws, "event": "NEW_TIME_ENTRY",
                                       "entity_id": entry["id"]}, expect=202)
    sql = ("SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id = ? "
           "AND event_type = 'NEW_TIME_ENTRY' AND status IN ('received', 'processing')")
    wait_until(lambda: srv.query(sql, [ws])[0]["n"] == n, 30, 0.1, f"{n} waiting webhooks")
    waiting = srv.query("SELECT COUNT(*) AS n FROM universal_webhook_log "
                        "WHERE status IN ('received', 'processing')")[0]["n"]
    assert waiting >= n
    wait_until(lambda: scrape(srv).value("webhook_queue_pending") == waiting, 30, 0.2,
               f"webhook_queue_pending to show {waiting}")

    # The holder lets go: the webhooks run, each one execution, and the gauge falls back.
    write_database(srv, "DELETE FROM universal_webhook_queue_lease WHERE workspace_id = ?", [ws])
    wait_until(lambda: scrape(srv).value("webhook_queue_pending") == 0, 60, 0.2,
               "webhook_queue_pending back to 0")
    rows = srv.query("SELECT status, COUNT(*) AS n FROM universal_webhook_flow_execution "
                     "WHERE workspace_id = ? AND flow_id = ? GROUP BY status", [ws, flow_id])
    by_status = {row["status"]: row["n"] for row in rows}
    errors = srv.query("SELECT error_message FROM universal_webhook_flow_execution "
                       "WHERE workspace_id = ? AND status <> 'success'", [ws])
    assert by_status == {"success": n}, (by_status, [e["error_message"] for e in errors][:3])
    after = scrape(srv)
    for status in ("success", "error", "partial", "skipped", "unknown"):
        delta = (after.value("flows_executed_total", status=status)
                 - before.value("flows_executed_total", status=status))
        assert delta == by_status.get(status, 0), (status, delta)
    srv.stop()
    mock.stop()


def test_custom_webhooks_count_by_source_and_unknown_sources_do_not_make_labels(
        metrics_server, minter):
    srv = metrics_server
    ws = new_workspace()
    tokens = install(srv, minter, ws, ["NEW_PROJECT"])
    admin = user_token(minter, ws, "ADMIN")
    assert create_custom_source(srv, admin, "metrics-src", open_source=True).status_code == 201
    before = scrape(srv)
    for i in range(5):
        assert_accepted(send_custom(srv, "metrics-src", json.dumps({"n": i}).encode(),
                                    workspace=ws, event_type="build.done"))
    for i in range(3):
        r = send_custom(srv, f"never-created-{i}", b"{}", workspace=ws)
        assert r.status_code == 401, r.text
    after = scrape(srv)
    received = "webhooks_received_total"
    assert after.value(received, source="metrics-src", event_type="build.done",
                       status="accepted") - before.value(
        received, source="metrics-src", event_type="build.done", status="accepted") == 5
    assert after.value(received, source="CUSTOM", event_type="unknown",
                       status="invalid_signature") - before.value(
        received, source="CUSTOM", event_type="unknown", status="invalid_signature") == 3
    assert not any(v.startswith("never-created") for v in after.label_values(received, "source"))
    assert tokens  # the installation made the workspace active


def test_route_labels_are_patterns_never_raw_paths(metrics_server, minter):
    srv = metrics_server
    ws = new_workspace()
    admin = user_token(minter, ws, "ADMIN")
    srv.get(f"/no/such/path/{ws}")
    srv.get("/ui/webhooks/12345", headers={"X-Addon-Token": admin})
    m = scrape(srv)
    routes = m.label_values("http_request_duration_seconds_count", "route")
    assert "unmatched" in routes
    assert "/ui/webhooks/{id}" in routes
    for route in routes:
        assert ws not in route and "12345" not in route, route
    text = srv.get("/metrics").text
    assert admin not in text


def test_log_lines_carry_the_context_fields(make_server, minter):
    srv = make_server(name="logfields")
    ws = new_workspace()
    tokens = install(srv, minter, ws, ["NEW_TIME_ENTRY"])
    r = srv.send_webhook("NEW_TIME_ENTRY", sample_for("NEW_TIME_ENTRY", ws), tokens["NEW_TIME_ENTRY"],
                         extra_headers={"X-Request-Id": "log-fields-1"})
    row_id = assert_accepted(r)
    r = srv.send_webhook("NEW_TIME_ENTRY", b"{not json", tokens["NEW_TIME_ENTRY"],
                         extra_headers={"X-Request-Id": "log-fields-2"})
    assert_error(r, 400, "invalid_json")
    srv.stop()
    lines = srv.json_logs()
    accepted = [l for l in lines if l.get("request_id") == "log-fields-1"
                and l.get("msg") == "webhook accepted"]
    assert len(accepted) == 1, lines[-20:]
    assert accepted[0]["workspace_id"] == ws
    assert accepted[0]["event_type"] == "NEW_TIME_ENTRY"
    assert accepted[0]["source"] == "CLOCKIFY"
    assert accepted[0]["webhook_id"] == str(row_id)
    refused = [l for l in lines if l.get("request_id") == "log-fields-2"
               and l.get("msg") == "webhook refused"]
    assert len(refused) == 1, lines[-20:]
    assert refused[0]["code"] == "invalid_json"
    assert refused[0]["workspace_id"] == ws
    for line in lines:
        assert isinstance(line.get("ts"), str) and isinstance(line.get("level"), str), line
        assert tokens["NEW_TIME_ENTRY"] not in json.dumps(line)
