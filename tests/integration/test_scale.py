"""Several instances on one PostgreSQL database (SPEC §2, §6.4; issue 8): the durable webhook
queue and the flow executor stay correct when three `uwh serve` processes share the queue and one
of them is killed with SIGKILL while it runs flows.

Three instances share one new database and one encryption key. The simulated Clockify installs
the add-on into 10 workspaces (through instance A; B and C serve the same installations from the
database). Each workspace has two flows on NEW_TIME_ENTRY whose actions call the simulated
Clockify with a value unique to the webhook (its entry id), so the mock's state and request counts
show which webhook caused which call:

  "tag every entry":   createNewTag (POST) named "scale <entry id>"   — every entry
  "look billable up":  getTags (GET) ?name=<entry id>                  — billable entries

5000 webhooks, signed with each workspace's NEW_TIME_ENTRY token, are sent concurrently and
round-robin to the three instances; once a third of the expected executions exist, instance B is
killed (SIGKILL). Only webhooks answered 2xx count as accepted (requests to B at the kill may fail
although their row was committed: such rows are processed too, and checked like the others). The
survivors take B's workspaces over when its leases expire (UNIVERSAL_WEBHOOK_QUEUE_LEASE_SECONDS=2).

What is allowed, per SPEC §6.4 and src/flows/executor.cpp: an action is on record ("running",
with its request) before it is sent, so at the kill B had at most one action in flight per queue
worker (QUEUE_WORKERS=4). When a survivor resumes such a run, a GET is sent again and its record
carries `repeated_after_restart` (the mock saw it once or twice); a POST is not sent again: the
action and the run become `unknown` (the mock saw it once or never). Every other call reached the
mock exactly once, every matching (webhook, flow) pair has exactly one automatic execution, and
each workspace's runs started in webhook id order, each after the previous webhook's runs ended.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import (free_port, new_pg_database, new_session, new_workspace, postgres_only, record_secret,
                      sample_bytes, user_token, wait_until)

pytestmark = postgres_only

WEBHOOKS = 5000
WORKSPACES = [new_workspace() for _ in range(10)]
WORKERS_PER_INSTANCE = 4
LEASE_SECONDS = 2
EVENT = "NEW_TIME_ENTRY"

TAG_FLOW = {"name": "tag every entry", "trigger_source": "CLOCKIFY", "trigger_event_type": EVENT,
            "actions": [{"type": "clockify_api", "operation_id": "createNewTag",
                         "parameters": {"body": {"name": "scale {{webhook.id}}"}}}]}
LOOKUP_FLOW = {"name": "look billable up", "trigger_source": "CLOCKIFY",
               "trigger_event_type": EVENT,
               "conditions": {"rules": [{"path": "$.billable", "operator": "==", "value": True}]},
               "actions": [{"type": "clockify_api", "operation_id": "getTags",
                            "parameters": {"name": "{{webhook.id}}", "page-size": 1}}]}


def entry(workspace: str, k: int) -> tuple[str, bytes, bool]:
    """Webhook k: its entry id, its body, and whether it is billable (a third are)."""
    body = json.loads(sample_bytes(EVENT))
    entry_id = f"sc{k:05d}"
    billable = k % 3 == 0
    body.update(id=entry_id, workspaceId=workspace, billable=billable,
                description=f"scale entry {k}")
    return entry_id, json.dumps(body).encode(), billable


def install_through_mock(mock, server, workspace: str) -> str:
    """The mock installs the add-on of `server` into `workspace`; returns the NEW_TIME_ENTRY
    webhook token it issued (as Clockify sends it in clockify-signature)."""
    resp = requests.post(mock.base + "/_mock/install",
                         json={"manifest_url": server.url("/manifest"), "workspace_id": workspace},
                         timeout=60)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["lifecycle_status"] == 200, answer
    issued = answer["issued_tokens"]
    for token in [issued["installation"], *issued["webhooks"]]:
        record_secret(token)
    tokens = {hook["event"]: token for hook, token in zip(answer["webhooks"], issued["webhooks"])}
    return tokens[EVENT]


@pytest.fixture
def three_instances(make_server, make_mock, session_tmp):
    mock = make_mock([arg for ws in WORKSPACES for arg in ("--workspace", ws)], name="scale-mock")
    url = new_pg_database()
    env = {
        "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(session_tmp / f"scale-{time.time_ns()}.key"),
        "UNIVERSAL_WEBHOOK_QUEUE_WORKERS": str(WORKERS_PER_INSTANCE),
        "UNIVERSAL_WEBHOOK_QUEUE_LEASE_SECONDS": str(LEASE_SECONDS),
        # Only the event under test: the tags the flows create send the add-on no NEW_TAG.
        "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS": EVENT,
        "UNIVERSAL_WEBHOOK_EXTRA_EVENTS": "",
        "UNIVERSAL_WEBHOOK_LOG_LEVEL": "info",
    }
    servers = []
    for name in "abc":
        # The manifest's baseUrl is the instance's own address.
        port = free_port()
        servers.append(make_server(dict(env, UNIVERSAL_WEBHOOK_PORT=str(port),
                                        UNIVERSAL_WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}"),
                                   name=f"scale-{name}", db_url=url))
    yield mock, servers
    for srv in servers:
        if srv.running:
            srv.stop()
    mock.stop()


def test_three_instances_run_every_accepted_webhook_once_in_order_across_a_sigkill(
        three_instances, minter):
    mock, servers = three_instances
    a, b, c = servers
    tokens = {ws: install_through_mock(mock, a, ws) for ws in WORKSPACES}
    flows = {}
    for ws in WORKSPACES:
        headers = {"X-Addon-Token": user_token(minter, ws), "Content-Type": "application/json"}
        ids = []
        for flow in (TAG_FLOW, LOOKUP_FLOW):
            r = requests.post(a.url("/ui/flows"), data=json.dumps(flow), headers=headers,
                              timeout=30)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        flows[ws] = ids
    stats_before = mock.stats()

    # The webhooks, interleaved over the workspaces, and what each must cause.
    plan = []  # (k, workspace, entry id, body, expected flow ids)
    for k in range(WEBHOOKS):
        ws = WORKSPACES[k % len(WORKSPACES)]
        entry_id, body, billable = entry(ws, k)
        want = {flows[ws][0]} | ({flows[ws][1]} if billable else set())
        plan.append((k, ws, entry_id, body, want))
    by_entry = {p[2]: p for p in plan}
    expected_runs = sum(len(p[4]) for p in plan)

    def executions() -> int:
        return a.query("SELECT COUNT(*) AS n FROM universal_webhook_flow_execution")[0]["n"]

    accepted: dict[str, int] = {}  # entry id → webhook id, for 2xx answers only
    refused: dict[str, str] = {}   # entry id → what happened instead
    lock = threading.Lock()
    killed = threading.Event()
    local = threading.local()

    def send(item):
        k, ws, entry_id, body, _ = item
        srv = servers[k % 3]
        session = getattr(local, "s", None) or new_session()
        local.s = session
        try:
            r = srv.send_webhook(EVENT, body, tokens[ws], session=session)
        except requests.RequestException as e:
            with lock:
                refused[entry_id] = f"{srv is b and 'killed ' or ''}{type(e).__name__}"
            return
        with lock:
            if 200 <= r.status_code < 300:
                answer = r.json()
                assert answer["status"] == "accepted" and not answer.get("duplicate"), answer
                accepted[entry_id] = answer["id"]
            else:
                refused[entry_id] = f"{r.status_code} {r.text[:200]}"

    def kill_b_midway():
        wait_until(lambda: executions() >= expected_runs // 3, 240, 0.05, "a third of the runs")
        b.kill()
        killed.set()

    started = time.monotonic()
    killer = threading.Thread(target=kill_b_midway, daemon=True)
    killer.start()
    with ThreadPoolExecutor(24) as pool:
        list(pool.map(send, plan))
    sent_at = time.monotonic()
    killer.join(240)
    assert killed.is_set(), "instance B was never killed"
    at_kill = executions()
    assert at_kill < expected_runs, "every run finished before the kill: the test proves nothing"
    # Only requests to the killed instance may have gone unanswered.
    assert all(reason.startswith("killed ") for reason in refused.values()), \
        Counter(refused.values()).most_common(5)
    assert len(accepted) + len(refused) == WEBHOOKS
    assert len(accepted) >= WEBHOOKS * 2 // 3, len(accepted)

    # The survivors drain the queue: B's leases expire and its workspaces are taken over.
    wait_until(lambda: a.query(
        "SELECT COUNT(*) AS n FROM universal_webhook_log WHERE status IN ('received', "
        "'processing')")[0]["n"] == 0, 240, 0.2, "the survivors to drain the queue")
    elapsed = time.monotonic() - started

    # ---- the database --------------------------------------------------------------------
    webhooks = a.query("SELECT id, workspace_id, status, attempts, flows_matched, processed_at, "
                       "payload_json FROM universal_webhook_log ORDER BY id")
    stored = {}  # entry id → row
    for w in webhooks:
        entry_id = json.loads(w["payload_json"])["id"]
        assert entry_id not in stored, f"{entry_id} stored twice"
        stored[entry_id] = w
    # Every accepted webhook is stored under the id it was answered with, and nothing else is
    # stored but webhooks whose answer the kill cut off.
    for entry_id, webhook_id in accepted.items():
        assert entry_id in stored and stored[entry_id]["id"] == webhook_id, entry_id
    unanswered_but_stored = set(stored) - set(accepted)
    assert unanswered_but_stored <= set(refused), unanswered_but_stored - set(refused)
    for entry_id, w in stored.items():
        assert w["workspace_id"] == by_entry[entry_id][1]
        assert w["status"] == "processed", (entry_id, dict(w))

    runs = a.query("SELECT id, workspace_id, flow_id, webhook_log_id, status, trigger_kind, "
                   "actions_executed, result_json, started_at, completed_at "
                   "FROM universal_webhook_flow_execution ORDER BY id")
    assert all(r["trigger_kind"] == "automatic" for r in runs)
    runs_of = defaultdict(list)
    for r in runs:
        runs_of[r["webhook_log_id"]].append(r)
    entry_of = {w["id"]: entry_id for entry_id, w in stored.items()}
    assert set(runs_of) <= set(entry_of), "runs for webhooks that are not stored"
    # Exactly one automatic execution per matching (webhook, flow), none for the others.
    for entry_id, w in stored.items():
        flow_ids = sorted(r["flow_id"] for r in runs_of[w["id"]])
        assert flow_ids == sorted(by_entry[entry_id][4]), (entry_id, flow_ids)
        assert w["flows_matched"] == len(flow_ids), (entry_id, dict(w))

    def actions_of(r):
        return json.loads(r["result_json"])["actions"]

    # Every run finished with its action done, except those whose action was in flight on B:
    # a POST in flight is `unknown` (not sent again), a GET in flight is sent again.
    unknown = [r for r in runs if r["status"] == "unknown"]
    repeated = [r for r in runs if actions_of(r)[0].get("repeated_after_restart")]
    for r in runs:
        actions = actions_of(r)
        assert len(actions) == 1, (r["id"], actions)
        if r["status"] == "unknown":
            assert r["flow_id"] in [flows[ws][0] for ws in WORKSPACES], "only a POST is unknown"
            assert actions[0]["status"] == "unknown" and r["actions_executed"] == 1, actions
            assert "repeated_after_restart" not in actions[0]
        else:
            assert r["status"] == "success" and actions[0]["status"] == "success", (r["id"],
                                                                                   actions)
            assert r["actions_executed"] == 1
    for r in repeated:
        assert r["flow_id"] in [flows[ws][1] for ws in WORKSPACES], "only a GET is sent again"
    assert len(unknown) + len(repeated) <= WORKERS_PER_INSTANCE, (len(unknown), len(repeated))

    # Per-workspace order: webhook N+1's runs started only after webhook N's had completed.
    for ws in WORKSPACES:
        finished_before = ""
        previous = None
        for w in (w for w in webhooks if w["workspace_id"] == ws):
            mine = runs_of[w["id"]]
            for r in mine:
                assert r["started_at"] >= finished_before, (
                    f"{ws}: webhook {w['id']} started {r['started_at']} before webhook "
                    f"{previous} completed at {finished_before}")
            if mine:
                finished_before = max(r["completed_at"] for r in mine)
                previous = w["id"]
            assert w["processed_at"] >= finished_before, (w["id"], w["processed_at"])

    # ---- what the simulated Clockify received --------------------------------------------
    stats = mock.stats()
    assert stats["too_many_requests"] == stats_before["too_many_requests"], \
        "the instances together exceeded a workspace's rate limit"
    assert stats["by_status"].get("400", 0) == stats_before["by_status"].get("400", 0), \
        "a tag was created twice (the mock refuses a repeated name)"
    unknown_entries = {entry_of[r["webhook_log_id"]] for r in unknown}
    tags = Counter()
    for ws in WORKSPACES:
        for tag in mock.state(ws)["tags"]:
            if tag["name"].startswith("scale "):
                tags[(ws, tag["name"][len("scale "):])] += 1
    created = stats["by_operation"].get("createNewTag", 0) - \
        stats_before["by_operation"].get("createNewTag", 0)
    assert created == sum(tags.values()), (created, sum(tags.values()))
    for entry_id in stored:
        ws = by_entry[entry_id][1]
        n = tags[(ws, entry_id)]
        allowed = (0, 1) if entry_id in unknown_entries else (1,)
        assert n in allowed, (entry_id, n, allowed)
    assert set(e for _, e in tags) <= set(stored), "a tag for a webhook that was never stored"

    def lookups_by_name(by_request: dict) -> Counter:
        """(workspace, ?name=) → getTags requests the mock answered."""
        out = Counter()
        for key, n in by_request.items():
            method, _, target = key.partition(" ")
            parts = urllib.parse.urlsplit(target)
            segments = parts.path.rstrip("/").split("/")
            if method != "GET" or segments[-1] != "tags" or "workspaces" not in segments:
                continue
            ws = segments[segments.index("workspaces") + 1]
            for name in urllib.parse.parse_qs(parts.query).get("name", []):
                out[(ws, name)] += n
        return out

    lookups = lookups_by_name(stats["by_request"])
    lookups.subtract(lookups_by_name(stats_before["by_request"]))

    repeated_entries = {entry_of[r["webhook_log_id"]] for r in repeated}
    lookup_total = 0
    for entry_id in stored:
        ws = by_entry[entry_id][1]
        n = lookups[(ws, entry_id)]
        lookup_total += n
        if flows[ws][1] not in by_entry[entry_id][4]:
            assert n == 0, (entry_id, n)
        else:
            allowed = (1, 2) if entry_id in repeated_entries else (1,)
            assert n in allowed, (entry_id, n, allowed)
    looked_up = stats["by_operation"].get("getTags", 0) - \
        stats_before["by_operation"].get("getTags", 0)
    assert looked_up == lookup_total, (looked_up, lookup_total)

    taken_again = sum(1 for w in stored.values() if w["attempts"] > 1)
    assert taken_again > 0, "no webhook was taken up again after the kill"
    print(f"\nscale: {len(stored)} webhooks stored ({len(accepted)} accepted, "
          f"{len(unanswered_but_stored)} stored without an answer), {len(runs)} executions "
          f"({at_kill} at the kill) in {elapsed:.1f}s ({len(runs) / elapsed:.0f} executions/s; "
          f"sending took {sent_at - started:.1f}s); {taken_again} webhooks taken up again, "
          f"{len(unknown)} POSTs unknown, {len(repeated)} GETs sent again")
