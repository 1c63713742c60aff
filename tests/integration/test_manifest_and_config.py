"""Manifest (SPEC §8), health endpoints (§4.1) and start-up configuration."""
from __future__ import annotations

import json
import stat
import subprocess

import jsonschema
import pytest

from conftest import (MANIFEST_SCHEMA, UWH_BIN, LOG_LINES, Server, assert_accepted,
                      clean_env, fresh_database_url, install, query_database, require_binary,
                      run_uwh, sample_bytes, sqlite_only, table_names)

SETTING_IDS = {
    "bootstrap.run_on_install", "bootstrap.include_heavy_endpoints", "bootstrap.max_rps",
    "bootstrap.include_time_entries", "bootstrap.time_entry_days_back",
    "webhooks.enable_custom_webhooks", "webhooks.webhook_log_retention_days",
    "flows.enable_flows", "flows.enable_generic_http_actions",
    "flows.flow_execution_retention_days", "flows.loop_guard_limit", "data.cache_ttl_days",
}
DEFAULT_EVENTS = ["NEW_TIME_ENTRY", "TIME_ENTRY_UPDATED", "TIME_ENTRY_DELETED",
                  "NEW_TIMER_STARTED", "TIMER_STOPPED", "NEW_PROJECT", "NEW_CLIENT", "NEW_TASK",
                  "NEW_TAG", "USER_JOINED_WORKSPACE"]
BASE_URL = "https://uwh.example.test:8443/addon"


@pytest.fixture(scope="module")
def schema():
    return json.loads(MANIFEST_SCHEMA.read_text())


def schema_events(schema) -> set:
    return set(schema["definitions"]["webhook"]["properties"]["event"]["enum"])


def collect_setting_ids(settings) -> set:
    ids = set()
    for tab in settings.get("tabs", []):
        for s in tab.get("settings", []) or []:
            ids.add(s["id"])
        for g in tab.get("groups", []) or []:
            for s in g.get("settings", []) or []:
                ids.add(s["id"])
    return ids


def check_manifest(m: dict, schema: dict, *, base_url: str, events=None):
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(m), key=lambda e: list(e.path))
    assert not errors, "manifest does not validate:\n" + "\n".join(
        f"{list(e.path)}: {e.message}" for e in errors[:20])
    assert m["schemaVersion"] == "1.3"
    assert m["baseUrl"] == base_url
    assert m["key"] == "universal-webhook"
    assert m["minimalSubscriptionPlan"] == "ENTERPRISE"
    hooks = m["webhooks"]
    assert 1 <= len(hooks) <= 10, f"{len(hooks)} webhook entries"
    evs = [h["event"] for h in hooks]
    assert set(evs) <= schema_events(schema)
    assert len(set(evs)) == len(evs), f"an event appears twice: {evs}"
    paths = [h["path"] for h in hooks]
    assert len(set(paths)) == len(paths), f"two events share a path: {paths}"
    for h in hooks:
        assert h["path"] == f"/webhooks/clockify/{h['event']}", h
    if events is not None:
        assert evs == list(events)
    assert {l["type"] for l in m["lifecycle"]} == {"INSTALLED", "DELETED", "SETTINGS_UPDATED",
                                                   "STATUS_CHANGED"}
    paths = {l["type"]: l["path"] for l in m["lifecycle"]}
    assert paths["INSTALLED"] == "/lifecycle/installed"
    assert paths["DELETED"] == "/lifecycle/uninstalled"
    assert paths["SETTINGS_UPDATED"] == "/lifecycle/settings-updated"
    assert paths["STATUS_CHANGED"] == "/lifecycle/status-changed"
    sidebar = [c for c in m.get("components", []) if c.get("type") == "sidebar"]
    assert sidebar and sidebar[0]["path"] == "/ui"
    assert isinstance(m["settings"], dict)
    assert collect_setting_ids(m["settings"]) == SETTING_IDS


def test_manifest_http_and_cli(make_server, schema):
    srv = make_server({"UNIVERSAL_WEBHOOK_BASE_URL": BASE_URL}, name="manifest")
    r = srv.get("/manifest")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    m = r.json()
    check_manifest(m, schema, base_url=BASE_URL, events=DEFAULT_EVENTS)

    cli = run_uwh(["manifest"], env=clean_env(**srv.env_vars), cwd=srv.workdir)
    assert cli.returncode == 0, cli.stderr.decode()
    m_cli = json.loads(cli.stdout)
    check_manifest(m_cli, schema, base_url=BASE_URL, events=DEFAULT_EVENTS)
    assert m_cli == m
    srv.stop()


def test_manifest_cli_without_key_or_database(session_tmp, schema):
    """`uwh manifest` needs neither a Clockify key nor a database."""
    d = session_tmp / "manifest-cli"
    d.mkdir()
    cli = run_uwh(["manifest"], env=clean_env(UNIVERSAL_WEBHOOK_BASE_URL=BASE_URL), cwd=d)
    assert cli.returncode == 0, cli.stderr.decode()
    check_manifest(json.loads(cli.stdout), schema, base_url=BASE_URL, events=DEFAULT_EVENTS)


def test_manifest_events_configurable(make_server, schema):
    events = ["NEW_PROJECT", "BALANCE_UPDATED", "TIME_OFF_REQUESTED"]
    srv = make_server({"UNIVERSAL_WEBHOOK_BASE_URL": BASE_URL,
                       "UNIVERSAL_WEBHOOK_MANIFEST_EVENTS": ",".join(events)}, name="events")
    check_manifest(srv.get("/manifest").json(), schema, base_url=BASE_URL, events=events)
    srv.stop()


def test_health_and_ready(make_server):
    srv = make_server(name="health")
    r = srv.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
    assert r.headers.get("X-Request-Id")
    r = srv.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert isinstance(body["schema_version"], int) and body["schema_version"] >= 1
    # The migrations are recorded in the database (the seed's tables exist).
    tables = srv.tables()
    for t in ("universal_webhook_installation", "universal_webhook_bootstrap_state",
              "universal_webhook_entity_cache", "universal_webhook_log", "universal_webhook_flow",
              "universal_webhook_flow_execution", "universal_webhook_webhook_token"):
        assert t in tables
    if not srv.on_postgres:
        mode = srv.query("PRAGMA journal_mode")[0][0]
        assert mode.lower() == "wal"
    # Logs are JSON lines; the listening line carries the actual port.
    objs = srv.json_logs()
    assert objs, "no JSON log lines"
    non_json = [l for l in srv.lines if l.strip() and not l.lstrip().startswith("{")]
    assert not non_json, f"non-JSON log lines on stdout: {non_json[:5]}"
    listening = [o for o in objs if o.get("msg") == "listening"]
    assert listening and listening[0]["port"] == str(srv.port)
    # SIGTERM: graceful stop, exit 0.
    assert srv.stop() == 0


def test_migrate_and_version(session_tmp):
    d = session_tmp / "migrate"
    d.mkdir()
    url = fresh_database_url(d, "m.db")
    env = clean_env(UNIVERSAL_WEBHOOK_DATABASE_URL=url,
                    UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES="false")
    p = run_uwh(["migrate"], env=env, cwd=d)
    assert p.returncode == 0, p.stderr.decode()
    version = int(p.stdout.decode().split()[-1])
    assert version >= 3, p.stdout
    assert "universal_webhook_log" in table_names(url)
    assert query_database(url, "SELECT MAX(version) AS v FROM "
                               "universal_webhook_schema_migrations")[0]["v"] == version
    p2 = run_uwh(["migrate"], env=env, cwd=d)
    assert p2.returncode == 0, p2.stderr.decode()
    assert p2.stdout == p.stdout
    v = run_uwh(["version"], cwd=d)
    assert v.returncode == 0 and v.stdout.strip()


# --------------------------------------------------------------------------------------------
# Start-up configuration failures
# --------------------------------------------------------------------------------------------
def serve_expecting_exit(env_vars: dict, cwd, timeout: float = 15) -> subprocess.CompletedProcess:
    require_binary()
    proc = subprocess.Popen([str(UWH_BIN), "serve"], cwd=cwd, env=clean_env(**env_vars),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"uwh serve kept running with {env_vars}: {out[-2000:]!r}")
    for s in (out, err):
        LOG_LINES.extend(s.decode("utf-8", "replace").splitlines())
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def base_env(tmp_path, dev_keys):
    return {
        "UNIVERSAL_WEBHOOK_HOST": "127.0.0.1",
        "UNIVERSAL_WEBHOOK_PORT": "0",
        "UNIVERSAL_WEBHOOK_DATABASE_URL": f"sqlite:///{tmp_path}/cfg.db",
        "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(tmp_path / "enc.key"),
        "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH": str(dev_keys.public),
        "UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "false",
    }


def test_refuses_to_start_without_public_key(tmp_path, base_env):
    env = dict(base_env)
    del env["UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH"]
    p = serve_expecting_exit(env, tmp_path)
    assert p.returncode != 0
    assert b"UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH" in p.stderr, p.stderr
    # Explicitly on: same.
    p = serve_expecting_exit({**env, "UNIVERSAL_WEBHOOK_VERIFY_SIGNATURES": "true"}, tmp_path)
    assert p.returncode != 0
    assert b"UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH" in p.stderr, p.stderr
    # A path that does not exist.
    p = serve_expecting_exit({**env, "UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH":
                              str(tmp_path / "missing.pem")}, tmp_path)
    assert p.returncode != 0
    assert b"UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH" in p.stderr, p.stderr


ELEVEN = ["NEW_PROJECT", "NEW_TASK", "NEW_CLIENT", "NEW_TAG", "NEW_TIMER_STARTED", "TIMER_STOPPED",
          "TIME_ENTRY_UPDATED", "TIME_ENTRY_DELETED", "NEW_TIME_ENTRY", "NEW_INVOICE",
          "INVOICE_UPDATED"]
INVALID = [
    ("PORT", "abc"), ("PORT", "70000"), ("PORT", "-1"),
    ("LOG_LEVEL", "verbose"),
    ("MAX_BODY_BYTES", "abc"), ("MAX_BODY_BYTES", "100"),
    ("DATABASE_URL", "mysql://localhost/x"), ("DATABASE_URL", "not a url"),
    ("MANIFEST_EVENTS", ",".join(ELEVEN)),
    ("MANIFEST_EVENTS", "NEW_PROJECT,NOT_AN_EVENT"),
    ("VERIFY_SIGNATURES", "maybe"),
    ("DEDUP_WINDOW_SECONDS", "soon"),
]


@pytest.mark.parametrize("var,value", INVALID, ids=[f"{v}={x[:20]}" for v, x in INVALID])
def test_invalid_config_exits_naming_variable(tmp_path, base_env, var, value):
    name = f"UNIVERSAL_WEBHOOK_{var}"
    p = serve_expecting_exit({**base_env, name: value}, tmp_path)
    assert p.returncode == 2, f"{name}={value}: exit {p.returncode}, stderr {p.stderr!r}"
    assert name.encode() in p.stderr, f"{name}={value}: stderr does not name it: {p.stderr!r}"


def test_manifest_events_eleven_valid_events_refused_by_cli_too(tmp_path):
    assert len(ELEVEN) == 11
    p = run_uwh(["manifest"], env=clean_env(UNIVERSAL_WEBHOOK_MANIFEST_EVENTS=",".join(ELEVEN)),
                cwd=tmp_path)
    assert p.returncode != 0
    assert b"UNIVERSAL_WEBHOOK_MANIFEST_EVENTS" in p.stderr


# --------------------------------------------------------------------------------------------
# Database URL forms, .env, encryption key file
# --------------------------------------------------------------------------------------------
def roundtrip(srv: Server, minter) -> None:
    body = sample_bytes("NEW_TAG")
    ws = json.loads(body)["workspaceId"]  # the sample, byte for byte, for its own workspace
    inst = install(srv, minter, ws, ["NEW_TAG"])
    row_id = assert_accepted(srv.send_webhook("NEW_TAG", body, inst["NEW_TAG"]), "NEW_TAG")
    assert bytes(srv.log_row(row_id)["payload"]) == body


@sqlite_only
@pytest.mark.parametrize("form", ["sqlite+aiosqlite:///./x.db", "sqlite:///./x.db"])
def test_relative_database_urls(make_server, minter, form):
    srv = make_server({"UNIVERSAL_WEBHOOK_DATABASE_URL": form}, name="dburl", start=False)
    srv.db_path = srv.workdir / "x.db"
    srv.start()
    assert srv.db_path.exists(), f"{form}: no x.db in the working directory"
    assert srv.get("/readyz").status_code == 200
    roundtrip(srv, minter)
    srv.stop()


def test_dotenv_is_read_and_env_wins(make_server, minter):
    srv = make_server({"UNIVERSAL_WEBHOOK_BASE_URL": None,
                       "UNIVERSAL_WEBHOOK_ADDON_KEY": "env-addon-key",
                       "UNIVERSAL_WEBHOOK_LOG_LEVEL": "info"},
                      name="dotenv", start=False)
    (srv.workdir / ".env").write_text(
        "# a comment\n"
        "UNIVERSAL_WEBHOOK_BASE_URL=https://from-dotenv.example.test\n"
        "UNIVERSAL_WEBHOOK_ADDON_KEY=dotenv-addon-key\n"
        "export UNIVERSAL_WEBHOOK_MANIFEST_EVENTS=\"NEW_PROJECT,NEW_TAG\"\n"
        "UNIVERSAL_WEBHOOK_LOG_LEVEL=nonsense\n")
    srv.start()
    m = srv.get("/manifest").json()
    assert m["baseUrl"] == "https://from-dotenv.example.test", "the .env value is not used"
    assert m["key"] == "env-addon-key", "the environment must win over .env"
    assert [h["event"] for h in m["webhooks"]] == ["NEW_PROJECT", "NEW_TAG"]
    srv.stop()


def test_encryption_key_file_created_0600(make_server, minter):
    srv = make_server(name="enckey", start=False)
    key = srv.workdir / "secrets" / "nested" / "enc.key"
    srv.env_vars["UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE"] = str(key)
    assert not key.exists()
    srv.start()
    assert key.exists(), "the encryption key file was not created"
    mode = stat.S_IMODE(key.stat().st_mode)
    assert mode == 0o600, f"mode {oct(mode)}"
    content = key.read_text().strip()
    assert content
    from conftest import record_secret
    record_secret(content)
    roundtrip(srv, minter)
    # Restart: the same key is reused, not replaced.
    srv.stop()
    srv.start()
    assert key.read_text().strip() == content
    assert srv.get("/readyz").status_code == 200
    srv.stop()


def test_port_zero_and_fixed_port_do_not_clash(make_server):
    a = make_server(name="port-a")
    b = make_server(name="port-b")
    assert a.port and b.port and a.port != b.port
    assert a.get("/healthz").status_code == 200
    assert b.get("/healthz").status_code == 200
    a.stop()
    b.stop()
