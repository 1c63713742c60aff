"""What only PostgreSQL has (SPEC §2, §3): the seed's asyncpg URL, start-up errors for bad URLs
and unreachable servers, several instances on one database, and a server restart under a running
instance. The rest of the suite runs on PostgreSQL too (UWH_TEST_DATABASE=postgres)."""
from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (LOG_LINES, PG_RESTART, UWH_BIN, ClockifyAddon, assert_accepted, clean_env,
                      free_port, install, new_pg_database, new_workspace, postgres_only,
                      require_binary, sample_for, ui_headers)

pytestmark = postgres_only

EVENTS = ["NEW_TIME_ENTRY", "NEW_PROJECT", "NEW_TAG"]


def test_asyncpg_url_of_the_seed_is_accepted(make_server, minter):
    url = new_pg_database()
    srv = make_server({"UNIVERSAL_WEBHOOK_DATABASE_URL": "postgresql+asyncpg://" +
                       url.split("://", 1)[1]}, name="asyncpg")
    assert srv.get("/readyz").status_code == 200
    ws = new_workspace()
    inst = install(srv, minter, ws, ["NEW_TAG"])
    body = sample_for("NEW_TAG", ws)
    row_id = assert_accepted(srv.send_webhook("NEW_TAG", body, inst["NEW_TAG"]))
    assert srv.query("SELECT CAST(payload_json AS BLOB) AS p FROM universal_webhook_log "
                     "WHERE id = ?", (row_id,))[0]["p"] == body
    srv.stop()


def serve_exit(env_vars: dict, cwd) -> subprocess.CompletedProcess:
    require_binary()
    proc = subprocess.run([str(UWH_BIN), "serve"], cwd=cwd, env=clean_env(**env_vars),
                          capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    for stream in (proc.stdout, proc.stderr):
        LOG_LINES.extend(stream.decode("utf-8", "replace").splitlines())
    return proc


@pytest.mark.parametrize("url", [
    "postgresql://127.0.0.1/uwh?no_such_parameter=1",
    "postgres://127.0.0.1:notaport/uwh",
    "postgresql://user:pass word@127.0.0.1/uwh",
    # Nothing listens on port 1: refused at once. The password must not be printed.
    "postgresql://uwh:n0t-pr1nted@127.0.0.1:1/uwh",
])
def test_bad_or_unreachable_database_stops_startup_naming_the_variable(tmp_path, dev_keys, url):
    p = serve_exit({"UNIVERSAL_WEBHOOK_DATABASE_URL": url, "UNIVERSAL_WEBHOOK_PORT": "0",
                    "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH": str(dev_keys.public),
                    "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(tmp_path / "k")}, tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert b"UNIVERSAL_WEBHOOK_DATABASE_URL" in p.stderr, p.stderr
    assert b"n0t-pr1nted" not in p.stdout + p.stderr


# --------------------------------------------------------------------------------------------
# Several instances on one database
# --------------------------------------------------------------------------------------------
@pytest.fixture
def shared_key_instances(make_server, session_tmp):
    """Two servers on one new database with one encryption key, as a deployment runs them."""
    url = new_pg_database()
    key = {"UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(session_tmp / f"shared-{time.time_ns()}.key")}
    a = make_server(key, name="instance-a", db_url=url)
    b = make_server(key, name="instance-b", db_url=url)
    yield a, b
    for srv in (a, b):
        if srv.running:
            srv.stop()


def test_an_installation_made_through_one_instance_serves_the_other(shared_key_instances, minter):
    a, b = shared_key_instances
    ws = new_workspace()
    inst = install(a, minter, ws, EVENTS)
    ids = []
    for srv in (a, b, a, b):
        body = sample_for("NEW_PROJECT", ws, id=f"p-{srv.port}-{len(ids)}")
        ids.append(assert_accepted(srv.send_webhook("NEW_PROJECT", body, inst["NEW_PROJECT"])))
    assert len(set(ids)) == 4
    rows = a.query("SELECT id FROM universal_webhook_log WHERE workspace_id = ? ORDER BY id", (ws,))
    assert [r["id"] for r in rows] == sorted(ids)
    # The UI API of either instance lists what both took in.
    for srv in (a, b):
        r = srv.get("/ui/webhooks", headers={"X-Addon-Token": inst.auth_token})
        assert r.status_code == 200, r.text
        assert sorted(i["id"] for i in r.json()["items"]) == sorted(ids)


def test_the_same_delivery_to_two_instances_at_once_is_stored_once(shared_key_instances, minter):
    a, b = shared_key_instances
    ws = new_workspace()
    inst = install(a, minter, ws, ["NEW_TIME_ENTRY"])
    token = inst["NEW_TIME_ENTRY"]
    rounds = 60
    outcomes = []
    barrier = threading.Barrier(2)

    def send(srv, body):
        barrier.wait()
        return srv.send_webhook("NEW_TIME_ENTRY", body, token)

    with ThreadPoolExecutor(2) as pool:
        for k in range(rounds):
            body = sample_for("NEW_TIME_ENTRY", ws, id=f"te-{k}")
            ra, rb = pool.map(lambda srv: send(srv, body), (a, b))
            outcomes.append((ra, rb))
    for k, (ra, rb) in enumerate(outcomes):
        ja, jb = ra.json(), rb.json()
        assert ra.status_code == rb.status_code == 200, (ra.text, rb.text)
        assert ja["id"] == jb["id"], f"round {k}: stored twice ({ja}, {jb})"
        assert bool(ja.get("duplicate")) != bool(jb.get("duplicate")), f"round {k}: {ja} {jb}"
    n = a.query("SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id = ?",
                (ws,))[0]["n"]
    assert n == rounds


# --------------------------------------------------------------------------------------------
# The server restarts under a running instance
# --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not PG_RESTART, reason="UWH_TEST_POSTGRES_RESTART is not set")
def test_instance_keeps_serving_after_postgres_restarts(make_server, minter):
    srv = make_server(name="pg-restart")
    ws = new_workspace()
    inst = install(srv, minter, ws, EVENTS)
    before = [assert_accepted(srv.send_webhook(
        "NEW_TAG", sample_for("NEW_TAG", ws, id=f"before-{i}"), inst["NEW_TAG"]))
        for i in range(5)]
    # Every pooled connection of the instance dies with the old server processes.
    subprocess.run(PG_RESTART, shell=True, check=True, timeout=120, capture_output=True)
    # The very first requests after the restart succeed: dead connections are replaced.
    assert srv.get("/readyz").status_code == 200
    after = [assert_accepted(srv.send_webhook(
        "NEW_TAG", sample_for("NEW_TAG", ws, id=f"after-{i}"), inst["NEW_TAG"]))
        for i in range(20)]
    r = srv.get("/ui/webhooks", headers={"X-Addon-Token": inst.auth_token},
                params={"limit": 100})
    assert r.status_code == 200, r.text
    assert {i["id"] for i in r.json()["items"]} == set(before + after)
    srv.stop()


def test_three_instances_together_keep_one_workspaces_api_rate(make_server, make_mock, minter,
                                                               session_tmp):
    """SPEC §5.1 across instances: three servers on one database, each with three callers
    executing explorer calls for one workspace as fast as they are answered; the simulated
    Clockify counts the requests it received per second, and together they stay at the
    workspace's max_rps (no 1-second window above max_rps + 1) while using it."""
    max_rps = 10
    mock = make_mock()
    url = new_pg_database()
    shared = {"UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(session_tmp / f"rate-{time.time_ns()}.key"),
              "UNIVERSAL_WEBHOOK_BOOTSTRAP_MAX_RPS": str(max_rps),
              "UNIVERSAL_WEBHOOK_EXTRA_EVENTS": ""}
    servers = []
    for name in ("rate-a", "rate-b", "rate-c"):
        port = free_port()
        servers.append(make_server(dict(shared, UNIVERSAL_WEBHOOK_PORT=str(port),
                                        UNIVERSAL_WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}"),
                                   name=name, db_url=url))
    installed = mock.install(servers[0].url("/manifest"))
    assert installed["lifecycle_status"] == 200, installed
    addon = ClockifyAddon(mock, servers[0], minter, installed)
    token = addon.token()
    mock.reset_stats()

    stop = time.monotonic() + 8
    statuses: list[int] = []

    def caller(server):
        while time.monotonic() < stop:
            r = server.post("/ui/api-explorer/execute",
                            json_body={"operation_id": "getTags", "parameters": {}},
                            headers=ui_headers(token), timeout=60)
            statuses.append(r.status_code)
            if r.status_code == 200:
                assert r.json()["status_code"] == 200, r.text[:300]

    with ThreadPoolExecutor(max_workers=9) as pool:
        for f in [pool.submit(caller, srv) for srv in servers for _ in range(3)]:
            f.result()
    assert statuses and set(statuses) == {200}, sorted(set(statuses))

    stats = mock.workspace_stats(addon.workspace)
    assert mock.stats()["too_many_requests"] == 0
    assert stats["max_in_1s_window"] <= max_rps + 1, stats
    inside = [s["count"] for s in sorted(stats["per_second"], key=lambda s: s["second"])][1:-1]
    assert len(inside) >= 5, stats["per_second"]
    # Used, not only respected: every full second of the run near the limit.
    assert min(inside) >= max_rps - 2, inside
    assert stats["requests"] == len(statuses)  # every call answered once, none repeated
