"""Fixtures and helpers for the integration tests.

Every test talks to a real `uwh serve` process over HTTP and checks its database independently:
an SQLite file read with Python's sqlite3, or, with UWH_TEST_DATABASE=postgres, a PostgreSQL
database of its own (one per server) read with psycopg2. Tests read the database through
Server.query()/db(), which take the same SQL on both (see PgConnection). Everything is hermetic:
temporary directories, PORT=0 (the server picks a free port and logs it), a temporary development
key pair.

Against the simulated Clockify (anything that calls Clockify: explorer, bootstrap, flows):

    def test_something(clockify):             # module-scoped: one mock, one installed server
        clockify.execute("getProjects", {})   # POST /ui/api-explorer/execute as an admin
        clockify.mock.state(clockify.workspace)["projects"]   # what the mock holds
        clockify.mock.stats()                 # what reached it, per operation and second

    addon = make_clockify({"UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "true"})  # own config

`make_mock`, `make_clockify` and `clockify` are documented below (MockClockify, ClockifyAddon).

Environment:
  UWH_BIN                 the binary (default <repo>/build/src/app/uwh)
  UWH_SHARED_DIR          the shared inputs, read in place (default <repo>/../shared)
  UWH_TEST_DATABASE       sqlite (default) or postgres: the backend every server uses
  UWH_TEST_POSTGRES_URL   with postgres: a superuser URL of the server to create databases on
  UWH_TEST_POSTGRES_RESTART  with postgres: a shell command that restarts that server (optional;
                          the restart test is skipped without it)
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import datetime
import itertools
import re
import urllib.parse

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("UWH_SHARED_DIR") or (REPO.parent / "shared")).resolve()
UWH_BIN = Path(os.environ.get("UWH_BIN") or (REPO / "build" / "src" / "app" / "uwh")).resolve()
SAMPLES_DIR = SHARED / "clockify" / "webhook-samples"
MANIFEST_SCHEMA = SHARED / "clockify" / "manifest-schema-1.3.json"

# --------------------------------------------------------------------------------------------
# The backend under test
# --------------------------------------------------------------------------------------------
ON_POSTGRES = os.environ.get("UWH_TEST_DATABASE", "sqlite").lower() == "postgres"
PG_ADMIN_URL = os.environ.get("UWH_TEST_POSTGRES_URL", "")
PG_RESTART = os.environ.get("UWH_TEST_POSTGRES_RESTART", "")
if ON_POSTGRES and not PG_ADMIN_URL:
    raise RuntimeError("UWH_TEST_DATABASE=postgres needs UWH_TEST_POSTGRES_URL")

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite files and URLs")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs UWH_TEST_DATABASE=postgres")

_pg_databases = itertools.count(1)
_pg_created: list[str] = []  # dropped at the end of the session (drop_pg_databases)


def _pg_url_with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def new_pg_database() -> str:
    """A new, empty database on the test server; returns its postgresql:// URL."""
    import psycopg2
    name = f"uwh_it_{os.getpid()}_{next(_pg_databases)}_{secrets.token_hex(3)}"
    conn = psycopg2.connect(PG_ADMIN_URL)
    try:
        conn.autocommit = True
        conn.cursor().execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    _pg_created.append(name)
    return _pg_url_with_database(PG_ADMIN_URL, name)


def drop_pg_databases() -> None:
    if not _pg_created:
        return
    import psycopg2
    conn = psycopg2.connect(PG_ADMIN_URL)
    try:
        conn.autocommit = True
        while _pg_created:
            conn.cursor().execute(f'DROP DATABASE IF EXISTS "{_pg_created.pop()}" WITH (FORCE)')
    finally:
        conn.close()


def fresh_database_url(directory: Path, filename: str = "uwh.db") -> str:
    """The URL of a new, empty database of the backend under test: an SQLite file in
    `directory`, or a new PostgreSQL database."""
    return new_pg_database() if ON_POSTGRES else f"sqlite:///{Path(directory) / filename}"


def _timestamp_text(value: datetime.datetime) -> str:
    """A TIMESTAMPTZ as the text the SQLite backend stores (FormatTimestamp)."""
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class DbRow:
    """A result row readable by index and by column name, like sqlite3.Row."""

    def __init__(self, names, values):
        self._names = list(names)
        self._values = list(values)

    def __getitem__(self, key):
        if isinstance(key, (int, slice)):
            return self._values[key]
        return self._values[self._names.index(key)]

    def keys(self):
        return list(self._names)

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __eq__(self, other):
        return isinstance(other, DbRow) and (self._names, self._values) == (other._names,
                                                                             other._values)

    def __repr__(self):
        return f"DbRow({dict(zip(self._names, self._values))!r})"


class _Rows(list):
    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None


class PgConnection:
    """psycopg2 behind the tests' SQLite-flavoured SQL: `?` placeholders and
    CAST(column AS BLOB) for a text column's bytes. Values come back as from sqlite3: bytes for
    those casts, timestamps as the text SQLite stores, booleans as True/False (== 1/0)."""

    def __init__(self, url: str):
        import psycopg2
        self._conn = psycopg2.connect(url)
        self._conn.autocommit = True

    @staticmethod
    def translate(sql: str) -> str:
        sql = re.sub(r"CAST\((\w+) AS BLOB\)", r"convert_to(\1, 'UTF8')", sql)
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params=()):
        cur = self._conn.cursor()
        cur.execute(self.translate(sql), tuple(params))
        if cur.description is None:
            return _Rows()
        names = [d.name for d in cur.description]
        return _Rows(DbRow(names, [self._value(v) for v in row]) for row in cur.fetchall())

    @staticmethod
    def _value(v):
        if isinstance(v, memoryview):
            return bytes(v)
        if isinstance(v, datetime.datetime):
            return _timestamp_text(v)
        return v

    def close(self):
        self._conn.close()


def open_database(url: str):
    """A read connection to the database at `url` (sqlite:///… or postgresql://…)."""
    if url.startswith("postgres"):
        return PgConnection(url)
    path = url.split("sqlite:///", 1)[1]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def query_database(url: str, sql: str, params=()) -> list:
    conn = open_database(url)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def table_names(url: str) -> set[str]:
    sql = ("SELECT table_name AS name FROM information_schema.tables "
           "WHERE table_schema = current_schema()" if url.startswith("postgres")
           else "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in query_database(url, sql)}


ADDON_KEY = "universal-webhook"
# Nothing listens here: URLs the server might call (bootstrap, createWebhook) go nowhere.
DEAD_API = "http://127.0.0.1:9/api"
DEAD_REPORTS = "http://127.0.0.1:9/reports"

# --------------------------------------------------------------------------------------------
# Session-wide records, for the final no-secrets check (test_no_secrets.py).
# --------------------------------------------------------------------------------------------
SECRETS: set[str] = set()          # every token / secret minted in this session
RESPONSES: list[bytes] = []        # every response body (and header values) seen
LOG_LINES: list[str] = []          # every line any server process wrote (stdout and stderr)
_record_lock = threading.Lock()


def record_secret(value: str) -> str:
    with _record_lock:
        SECRETS.add(value)
    return value


def _record_response(resp, *args, **kwargs):
    parts = [resp.content or b""]
    for k, v in resp.headers.items():
        parts.append(f"{k}: {v}".encode("utf-8", "replace"))
    RESPONSES.append(b"\n".join(parts))
    return resp


def new_session() -> requests.Session:
    """A requests.Session whose every response is recorded for the no-secrets check."""
    s = requests.Session()
    s.hooks["response"].append(_record_response)
    return s


_default_session = threading.local()


def http() -> requests.Session:
    s = getattr(_default_session, "s", None)
    if s is None:
        s = new_session()
        _default_session.s = s
    return s


# --------------------------------------------------------------------------------------------
# The binary
# --------------------------------------------------------------------------------------------
def require_binary():
    if not UWH_BIN.is_file() or not os.access(UWH_BIN, os.X_OK):
        pytest.fail(f"uwh binary not found at {UWH_BIN} (set UWH_BIN or build it first)",
                    pytrace=False)


def clean_env(**extra) -> dict:
    """The process environment without any UNIVERSAL_WEBHOOK_* variable, plus `extra`
    (a None value removes the variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIVERSAL_WEBHOOK_")}
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def run_uwh(args, *, env=None, cwd=None, timeout=30, record_output=True,
            check=False) -> subprocess.CompletedProcess:
    require_binary()
    proc = subprocess.run([str(UWH_BIN), *args], env=env if env is not None else clean_env(),
                          cwd=cwd, capture_output=True, timeout=timeout)
    if record_output:
        for stream in (proc.stdout, proc.stderr):
            for line in stream.decode("utf-8", "replace").splitlines():
                LOG_LINES.append(line)
    if check and proc.returncode != 0:
        raise AssertionError(f"uwh {' '.join(args)} exited {proc.returncode}: "
                             f"{proc.stderr.decode(errors='replace')}")
    return proc


# --------------------------------------------------------------------------------------------
# Keys and tokens
# --------------------------------------------------------------------------------------------
class KeyPair:
    def __init__(self, directory: Path):
        self.dir = directory
        self.private = directory / "private.pem"
        self.public = directory / "public.pem"


def keygen(directory: Path) -> KeyPair:
    directory.mkdir(parents=True, exist_ok=True)
    run_uwh(["dev", "keygen", "--out", str(directory)], check=True)
    kp = KeyPair(directory)
    assert kp.private.is_file() and kp.public.is_file()
    return kp


@pytest.fixture(scope="session")
def session_tmp():
    with tempfile.TemporaryDirectory(prefix="uwh-it-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def dev_keys(session_tmp) -> KeyPair:
    require_binary()
    return keygen(session_tmp / "dev-keys")


@pytest.fixture(scope="session")
def other_keys(session_tmp) -> KeyPair:
    """A second, untrusted key pair."""
    require_binary()
    return keygen(session_tmp / "other-keys")


class Minter:
    """Mints tokens with `uwh dev token`. Every token is recorded as a secret."""

    def __init__(self, keys: KeyPair):
        self.keys = keys
        self._cache: dict = {}
        self._lock = threading.Lock()

    def mint(self, kind: str, workspace: str, *, ttl: str | None = None, claims=(),
             key: KeyPair | None = None, addon_key: str | None = None, role: str | None = None,
             unique: bool = False, cache: bool = False) -> str:
        key = key or self.keys
        args = ["dev", "token", "--kind", kind, "--workspace", workspace, "--key", str(key.private)]
        if kind in ("install", "user"):
            args += ["--backend-url", DEAD_API, "--reports-url", DEAD_REPORTS]
        if ttl is not None:
            args += ["--ttl", ttl]
        if addon_key is not None:
            args += ["--addon-key", addon_key]
        if role is not None:
            args += ["--role", role]
        claims = list(claims)
        if unique:
            # Two tokens minted in the same second with the same claims are byte-identical
            # (RS256 is deterministic); a nonce keeps every webhook token distinct.
            claims.append(f"jti=t{uuid.uuid4().hex}")
        for c in claims:
            args += ["--claim", c]
        cache_key = tuple(args)
        if cache:
            with self._lock:
                if cache_key in self._cache:
                    return self._cache[cache_key]
        proc = run_uwh(args, record_output=False)
        if proc.returncode != 0:
            raise AssertionError(f"uwh dev token failed ({proc.returncode}): "
                                 f"{proc.stderr.decode(errors='replace')}")
        token = proc.stdout.decode().strip()
        assert token.count(".") == 2, f"not a JWT: {token!r}"
        record_secret(token)
        if cache:
            with self._lock:
                self._cache[cache_key] = token
        return token

    def lifecycle(self, workspace: str, **kw) -> str:
        return self.mint("lifecycle", workspace, **kw)

    def install(self, workspace: str, **kw) -> str:
        return self.mint("install", workspace, unique=True, **kw)

    def webhook(self, workspace: str, event: str | None = None, **kw) -> str:
        claims = list(kw.pop("claims", ()))
        return self.mint("webhook", workspace, unique=True, claims=claims, **kw)


@pytest.fixture(scope="session")
def minter(dev_keys) -> Minter:
    return Minter(dev_keys)


# --------------------------------------------------------------------------------------------
# JWT helpers (hand-built tokens)
# --------------------------------------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token: str):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def forge_signature(token: str) -> str:
    """Flips one character in the middle of the signature (not the last one, whose low bits
    may be padding)."""
    h, p, s = token.split(".")
    i = len(s) // 2
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    c = alphabet[(alphabet.index(s[i]) + 7) % len(alphabet)]
    return f"{h}.{p}.{s[:i]}{c}{s[i + 1:]}"


# --------------------------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------------------------
def sample_files() -> dict[str, Path]:
    files = sorted(SAMPLES_DIR.glob("*.json"))
    assert files, f"no webhook samples in {SAMPLES_DIR}"
    return {f.stem: f for f in files}


def sample_bytes(event: str) -> bytes:
    return (SAMPLES_DIR / f"{event}.json").read_bytes()


def sample_for(event: str, workspace: str | None, **extra) -> bytes:
    """The sample re-serialised for `workspace`: a body that names a workspace names this one
    (a body naming another workspace than the signature's is refused), plus `extra` fields."""
    body = json.loads(sample_bytes(event))
    if workspace is not None and isinstance(body, dict) and "workspaceId" in body:
        body["workspaceId"] = workspace
    body.update(extra)
    return json.dumps(body, indent=2).encode()


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------
class ServerStartError(AssertionError):
    pass


def read_output(proc, lines: list[str], on_listening) -> None:
    """Reads a uwh process's stdout to its end: each line into `lines` and LOG_LINES (the
    no-secrets check reads them), and the first "listening" line to `on_listening(obj)`."""
    heard = False
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        lines.append(line)
        LOG_LINES.append(line)
        listening = None if heard else listening_line(line)
        if listening:
            heard = True
            on_listening(listening)


def listening_line(line: str) -> dict | None:
    """The JSON log line a uwh process writes once it listens ({"msg":"listening","port":…}),
    or None."""
    if '"listening"' not in line:
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get("msg") == "listening" and "port" in obj:
        return obj
    return None


class Server:
    """One `uwh serve` process in its own working directory with its own database: an SQLite
    file, or (UWH_TEST_DATABASE=postgres) a fresh PostgreSQL database. `db_url` shares a given
    database instead (two instances on one PostgreSQL)."""

    def __init__(self, workdir: Path, keys: KeyPair | None, env: dict | None = None,
                 db_url: str | None = None, db_path: Path | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = Path(db_path) if db_path else self.workdir / "uwh.db"
        if (db_url is None and db_path is None and ON_POSTGRES
                and "UNIVERSAL_WEBHOOK_DATABASE_URL" not in (env or {})):
            db_url = new_pg_database()
        base = {
            "UNIVERSAL_WEBHOOK_HOST": "127.0.0.1",
            "UNIVERSAL_WEBHOOK_PORT": "0",
            "UNIVERSAL_WEBHOOK_BASE_URL": "http://127.0.0.1:8001",
            "UNIVERSAL_WEBHOOK_DATABASE_URL": db_url or f"sqlite:///{self.db_path}",
            "UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE": str(self.workdir / "encryption.key"),
            "UNIVERSAL_WEBHOOK_LOG_LEVEL": "debug",
            "UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "false",
            "UNIVERSAL_WEBHOOK_OPENAPI_PATH": str(SHARED / "clockify" / "openapi.json"),
        }
        if keys is not None:
            base["UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH"] = str(keys.public)
        base.update(env or {})
        self.env_vars = base
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []      # every stdout line of every run of this server
        self.stderr_lines: list[str] = []
        self.port: int | None = None
        self.returncode: int | None = None
        self._listening = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- process control ---------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> "Server":
        require_binary()
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._listening.clear()
        self.port = None
        env = clean_env(**self.env_vars)
        self.proc = subprocess.Popen([str(UWH_BIN), "serve"], cwd=self.workdir, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        t1 = threading.Thread(target=self._read_stdout, args=(self.proc,), daemon=True)
        t2 = threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True)
        t1.start()
        t2.start()
        self._threads = [t1, t2]
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None:
                for t in self._threads:
                    t.join(2)
                raise ServerStartError(
                    f"uwh serve exited {self.proc.returncode} before listening\n"
                    f"stdout: {self.lines[-20:]}\nstderr: {self.stderr_lines[-20:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise ServerStartError(f"uwh serve did not log 'listening' within {timeout}s\n"
                                       f"stdout: {self.lines[-20:]}\n"
                                       f"stderr: {self.stderr_lines[-20:]}")
        return self

    def _read_stdout(self, proc):
        def listening(obj):
            self.port = int(obj["port"])
            self._listening.set()
        read_output(proc, self.lines, listening)

    def _read_stderr(self, proc):
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_lines.append(line)
            LOG_LINES.append(line)

    def _join_readers(self):
        for t in self._threads:
            t.join(5)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self._join_readers()
                raise AssertionError(f"uwh serve did not stop within {timeout}s of SIGTERM")
        self._join_readers()
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self) -> None:
        """SIGKILL, no grace."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc is not None:
            self._join_readers()
            self.returncode = self.proc.returncode

    def restart(self, timeout: float = 20.0) -> "Server":
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return self.start(timeout)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- HTTP --------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        assert self.port, "server not listening"
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 15)
        return http().get(self.url(path), **kw)

    def post(self, path: str, data=None, *, json_body=None, headers=None, session=None,
             **kw) -> requests.Response:
        kw.setdefault("timeout", 15)
        s = session or http()
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
        return s.post(self.url(path), data=data, headers=hdrs, **kw)

    # -- lifecycle ---------------------------------------------------------------------------
    def lifecycle(self, hook: str, workspace: str, body: dict, *, token: str | None = "mint",
                  minter: Minter | None = None) -> requests.Response:
        headers = {}
        if token == "mint":
            token = minter.lifecycle(workspace)
        if token is not None:
            headers["X-Addon-Lifecycle-Token"] = token
        return self.post(f"/lifecycle/{hook}", json_body=body, headers=headers)

    def send_webhook(self, event: str | None, body: bytes, token: str | None, *,
                     path_event: str | None = "same", session=None,
                     extra_headers: dict | None = None) -> requests.Response:
        """POST a Clockify webhook. path_event "same" → /webhooks/clockify/{event};
        None → /webhooks/clockify; anything else → /webhooks/clockify/{path_event}."""
        headers = {}
        if event is not None:
            headers["clockify-webhook-event-type"] = event
        if token is not None:
            headers["clockify-signature"] = token
        headers.update(extra_headers or {})
        if path_event == "same":
            path_event = event
        path = "/webhooks/clockify" if path_event is None else f"/webhooks/clockify/{path_event}"
        return self.post(path, data=body, headers=headers, session=session)

    # -- database ----------------------------------------------------------------------------
    @property
    def database_url(self) -> str:
        url = self.env_vars.get("UNIVERSAL_WEBHOOK_DATABASE_URL") or ""
        if url.startswith("postgresql+"):
            url = "postgresql://" + url.split("://", 1)[1]
        return url if url.startswith("postgres") else f"sqlite:///{self.db_path}"

    @property
    def on_postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    def db(self):
        """A read connection: sqlite3's, or a PgConnection taking the same SQL."""
        return open_database(self.database_url)

    def query(self, sql: str, params=()) -> list:
        return query_database(self.database_url, sql, params)

    def tables(self) -> set[str]:
        return table_names(self.database_url)

    def stored_bytes(self) -> bytes:
        """Everything the database holds, as bytes: the SQLite file and its WAL, or every row
        of every table as PostgreSQL's text form."""
        if not self.on_postgres:
            files = [self.db_path, self.db_path.with_name(self.db_path.name + "-wal")]
            return b"".join(p.read_bytes() for p in files if p.exists())
        out = []
        for table in sorted(self.tables()):
            for row in self.query(f'SELECT t::text AS r FROM "{table}" t'):
                out.append(row["r"].encode())
        return b"\n".join(out)

    def log_count(self) -> int:
        return self.query("SELECT COUNT(*) AS n FROM universal_webhook_log")[0]["n"]

    def log_row(self, row_id: int):
        rows = self.query(
            "SELECT id, workspace_id, event_type, source, CAST(payload_json AS BLOB) AS payload, "
            "headers_json, status, received_at FROM universal_webhook_log WHERE id = ?", (row_id,))
        return rows[0] if rows else None

    def json_logs(self) -> list[dict]:
        out = []
        for line in self.lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out


class Installation(dict):
    """event → webhook token, plus the workspace, installation token and the response."""
    workspace: str
    auth_token: str
    response: requests.Response


def install(server: Server, minter: Minter, workspace: str, events, *, full_url_every: int = 0,
            tokens: dict | None = None, lifecycle_token: str | None = "mint",
            extra_webhooks=(), expect: int | None = 200) -> Installation:
    """POST /lifecycle/installed with a fresh lifecycle token, a fresh installation token and
    one webhook token per event path. `tokens` may give the token to use for some events.
    full_url_every=N: every N-th webhook path is given as a full URL."""
    tokens = dict(tokens or {})
    auth_token = minter.install(workspace)
    webhooks = []
    result = Installation()
    for i, event in enumerate(events):
        tok = tokens.get(event) or minter.webhook(workspace, event)
        path = f"/webhooks/clockify/{event}"
        if full_url_every and i % full_url_every == 0:
            path = "http://uwh.example.test:8001" + path
        webhooks.append({"path": path, "webhookType": "ADDON", "authToken": tok})
        result[event] = tok
    webhooks.extend(extra_webhooks)
    body = {
        "addonId": "dev-addon",
        "authToken": auth_token,
        "workspaceId": workspace,
        "asUser": "5a0ab5acb07987125438b60f",
        "apiUrl": DEAD_API,
        "addonUserId": "5a0ab5acb07987125438b610",
        "webhooks": webhooks,
    }
    resp = server.lifecycle("installed", workspace, body, token=lifecycle_token, minter=minter)
    if expect is not None:
        assert resp.status_code == expect, f"install {workspace}: {resp.status_code} {resp.text}"
    result.workspace = workspace
    result.auth_token = auth_token
    result.response = resp
    return result


def new_workspace() -> str:
    """A Clockify-like 24-hex-digit id."""
    return secrets.token_hex(12)


def assert_error(resp: requests.Response, status: int, code: str, what: str = ""):
    ctx = f"{what}: " if what else ""
    assert resp.status_code == status, \
        f"{ctx}expected {status} {code}, got {resp.status_code} {resp.text[:500]}"
    rid = resp.headers.get("X-Request-Id")
    assert rid, f"{ctx}no X-Request-Id header"
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"{ctx}error body is not JSON: {resp.text[:500]!r}")
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), \
        f"{ctx}error body has no 'error' object: {body}"
    err = body["error"]
    assert err.get("code") == code, f"{ctx}expected code {code}, got {err}"
    assert isinstance(err.get("message"), str) and err["message"], f"{ctx}no message: {err}"
    assert err.get("request_id") == rid, f"{ctx}request_id {err.get('request_id')} != header {rid}"
    return err


# An accepted webhook is "received" until the queue consumes it (SPEC §6.4), then "processed":
# a check made right after the 200 may see either, or "processing" in between.
ACCEPTED_STATUSES = ("received", "processing", "processed")


def assert_status(actual: str, expected: str, what: str = ""):
    """`expected` "received" means any state an accepted row goes through; others are exact."""
    if expected == "received":
        assert actual in ACCEPTED_STATUSES, f"{what}: status {actual}"
    else:
        assert actual == expected, f"{what}: status {actual}, expected {expected}"


def wait_queue_drained(server: "Server", workspaces, timeout: float = 120.0):
    """Waits until the queue has consumed every accepted webhook of the workspaces."""
    marks = ",".join("?" for _ in workspaces)
    sql = (f"SELECT COUNT(*) AS n FROM universal_webhook_log WHERE workspace_id IN ({marks}) "
           "AND status IN ('received', 'processing')")
    deadline = time.monotonic() + timeout
    while server.query(sql, list(workspaces))[0]["n"] > 0:
        assert time.monotonic() < deadline, f"the queue did not drain within {timeout}s"
        time.sleep(0.05)


def assert_accepted(resp: requests.Response, what: str = "") -> int:
    ctx = f"{what}: " if what else ""
    assert resp.status_code == 200, f"{ctx}expected 200, got {resp.status_code} {resp.text[:500]}"
    assert resp.headers.get("X-Request-Id"), f"{ctx}no X-Request-Id header"
    body = resp.json()
    assert body.get("status") == "accepted", f"{ctx}{body}"
    assert isinstance(body.get("id"), int), f"{ctx}{body}"
    return body["id"]


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------
_servers: list[Server] = []


@pytest.fixture(scope="session")
def make_server(session_tmp, dev_keys):
    """Factory: make_server(env=..., keys=..., start=True) → a started Server in a fresh dir.
    Every server is stopped at the end of the session."""
    counter = [0]

    def factory(env: dict | None = None, *, keys="dev", start: bool = True, name: str = "srv",
                db_url: str | None = None, db_path: Path | None = None) -> Server:
        counter[0] += 1
        workdir = session_tmp / f"{name}-{counter[0]}"
        srv = Server(workdir, dev_keys if keys == "dev" else keys, env=env, db_url=db_url,
                     db_path=db_path)
        _servers.append(srv)
        if start:
            srv.start()
        return srv

    yield factory
    for srv in _servers:
        try:
            if srv.running:
                srv.stop()
        except Exception:
            srv.kill()
    drop_pg_databases()


@pytest.fixture(scope="module")
def server(make_server) -> Server:
    """A server shared by the tests of one module."""
    srv = make_server(name="shared")
    yield srv
    if srv.running:
        srv.stop()


def pytest_collection_modifyitems(config, items):
    """Tests marked `last` run after every other test (the no-secrets check covers the run)."""
    last = [i for i in items if i.get_closest_marker("last")]
    rest = [i for i in items if not i.get_closest_marker("last")]
    items[:] = rest + last


def pytest_configure(config):
    config.addinivalue_line("markers", "last: run after every other test of the session")


# --------------------------------------------------------------------------------------------
# Custom webhooks and the UI API (issue 3)
# --------------------------------------------------------------------------------------------
WEBHOOK_SECRET_PREFIX = "whsec_"


def ui_headers(token: str | None) -> dict:
    return {"X-Addon-Token": token} if token is not None else {}


def ui_get(server: Server, path: str, token: str | None = None, *, params=None,
           headers=None) -> requests.Response:
    hdrs = ui_headers(token)
    hdrs.update(headers or {})
    return server.get(path, params=params, headers=hdrs)


def ui_delete(server: Server, path: str, token: str | None = None, *, params=None,
              headers=None) -> requests.Response:
    hdrs = ui_headers(token)
    hdrs.update(headers or {})
    return http().delete(server.url(path), params=params, headers=hdrs, timeout=15)


def user_token(minter: Minter, workspace: str, role: str = "ADMIN", **kw) -> str:
    """A Clockify user token (workspaceRole `role`) for the UI API."""
    kw.setdefault("cache", "ttl" not in kw)
    return minter.mint("user", workspace, role=role, **kw)


def create_custom_source(server: Server, token: str | None, source, *, open_source=False,
                         body: dict | None = None, headers: dict | None = None,
                         params=None) -> requests.Response:
    """POST /ui/custom-sources. The 201 answer is the one place where the secret may appear:
    it goes through an unrecorded session, the secret is recorded as a secret (both the
    `whsec_…` form and its base64 part), and the answer is recorded for the no-secrets check
    with the secret masked, so every other byte of it is still checked."""
    if body is None:
        body = {"source": source, "open": open_source}
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(ui_headers(token))
    hdrs.update(headers or {})
    raw = requests.Session()
    resp = raw.post(server.url("/ui/custom-sources"), data=json.dumps(body).encode(),
                    headers=hdrs, params=params, timeout=15)
    secret = None
    try:
        parsed = resp.json()
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("secret"), str) and parsed["secret"]:
        secret = parsed["secret"]
        record_secret(secret)
        if secret.startswith(WEBHOOK_SECRET_PREFIX) and len(secret) > len(WEBHOOK_SECRET_PREFIX) + 8:
            record_secret(secret[len(WEBHOOK_SECRET_PREFIX):])
    content = resp.content or b""
    if secret:
        content = content.replace(secret.encode(), b"<secret shown once>")
        content = content.replace(secret.encode().replace(b"/", b"\\/"), b"<secret shown once>")
    parts = [content] + [f"{k}: {v}".encode("utf-8", "replace") for k, v in resp.headers.items()]
    RESPONSES.append(b"\n".join(parts))
    return resp


def sign_custom(secret: str, msg_id: str, timestamp: str | int, body: bytes) -> str:
    """Standard Webhooks: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>, key = the decoded
    base64 part of whsec_<base64>."""
    import hashlib
    import hmac
    assert secret.startswith(WEBHOOK_SECRET_PREFIX), "not a whsec_ secret"
    key = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX):])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def send_custom(server: Server, source: str, body: bytes, *, workspace: str | None,
                secret: str | None = None, msg_id: str | None = None,
                timestamp: int | str | None = None, content_type: str | None = "application/json",
                event_type: str | None = None, header_source: str | None = "same",
                extra_headers: dict | None = None, drop=(), signature: str | None = None,
                session=None) -> requests.Response:
    """POST /webhooks/custom/{source}. With `secret`, signs per Standard Webhooks (fresh
    webhook-id and current timestamp unless given); `drop` removes headers after signing;
    `signature` overrides the computed webhook-signature."""
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if header_source == "same":
        header_source = source
    if header_source is not None:
        headers["X-Webhook-Source"] = header_source
    if workspace is not None:
        headers["X-Workspace-Id"] = workspace
    if event_type is not None:
        headers["X-Event-Type"] = event_type
    if secret is not None or msg_id is not None or signature is not None:
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = str(timestamp)
        if signature is None and secret is not None:
            signature = sign_custom(secret, msg_id, timestamp, body)
        if signature is not None:
            headers["webhook-signature"] = signature
    headers.update(extra_headers or {})
    for name in drop:
        headers.pop(name, None)
    s = session or http()
    # Not Server.post: it would add a Content-Type when the test wants none.
    return s.post(server.url(f"/webhooks/custom/{source}"), data=body, headers=headers,
                  timeout=15)


# --------------------------------------------------------------------------------------------
# The simulated Clockify and an add-on installed into it (issue 4; reused by bootstrap and flows)
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port that was free a moment ago (for a server whose own URL must be known before it
    starts: the manifest's baseUrl)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


def assert_no_jwt(text: str, what: str = ""):
    """No JWT at all (three base64url parts starting with a JSON header) in `text`."""
    m = _JWT.search(text)
    assert m is None, f"{what}: a token appears in {text[max(0, m.start() - 80):m.end()]!r}"


class MockClockify:
    """One `uwh mock-clockify` process: Clockify's API under `api_url` (= backendUrl) and
    `reports_url`, seeded workspaces, and the control API under /_mock (SPEC §12). It signs every
    token with `keys` (the session's dev key, which the servers of `make_server` trust)."""

    def __init__(self, workdir: Path, keys: KeyPair, args=(), env: dict | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.keys = keys
        self.args = list(args)
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.workspace_id: str | None = None
        self.lines: list[str] = []
        self._listening = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, timeout: float = 20.0) -> "MockClockify":
        require_binary()
        self._listening.clear()
        self.port = None
        cmd = [str(UWH_BIN), "mock-clockify", "--host", "127.0.0.1", "--port", "0",
               "--key", str(self.keys.private),
               "--openapi", str(SHARED / "clockify" / "openapi.json"), *self.args]
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=clean_env(**self.env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        t = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        t.start()
        self._threads = [t]
        if not self._listening.wait(timeout):
            self.stop()
            raise ServerStartError(f"uwh mock-clockify did not listen within {timeout}s: "
                                   f"{self.lines[-20:]}")
        return self

    def _read(self, proc):
        def listening(obj):
            self.port = int(obj["port"])
            self.workspace_id = obj.get("workspace_id")
            self._listening.set()
        read_output(proc, self.lines, listening)

    def stop(self, timeout: float = 10.0):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for t in self._threads:
            t.join(5)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api"

    @property
    def reports_url(self) -> str:
        return self.base + "/reports"

    # -- the control API ----------------------------------------------------------------------
    def control(self, method: str, path: str, body=None, *, expect: int | None = None,
                timeout: float = 30, **kw) -> requests.Response:
        resp = http().request(method, self.base + "/_mock" + path, json=body, timeout=timeout, **kw)
        if expect is not None:
            assert resp.status_code == expect, f"{method} /_mock{path}: {resp.status_code} {resp.text}"
        return resp

    def state(self, workspace: str | None = None) -> dict:
        """Everything the mock holds for the workspace (default: the first), as its API shows it."""
        params = {"workspace": workspace} if workspace else None
        return self.control("GET", "/state", params=params, expect=200).json()

    def stats(self) -> dict:
        return self.control("GET", "/stats", expect=200).json()

    def workspace_stats(self, workspace: str | None = None) -> dict:
        return self.stats()["by_workspace"].get(workspace or self.workspace_id, {})

    def requests_seen(self, limit: int = 500) -> list[dict]:
        """The latest API requests the mock answered, oldest first, with `at_ms` (monotonic)."""
        return self.control("GET", "/requests", params={"limit": limit}, expect=200).json()["requests"]

    def reset_stats(self):
        self.control("POST", "/reset-stats", expect=200)

    def set_faults(self, **faults) -> dict:
        """latency_ms, error_rate, status, burst_429, retry_after, drop_connections."""
        return self.control("POST", "/faults", faults, expect=200).json()

    def clear_faults(self):
        self.control("DELETE", "/faults", expect=200)

    def install(self, manifest_url: str, workspace: str | None = None, expect: int = 200) -> dict:
        """Installs the add-on of `manifest_url` like Clockify does. The tokens the mock issued
        (its answer's `issued_tokens`, removed from the returned dict) are recorded as secrets,
        so the no-secrets check looks for them in everything the add-on answers and logs."""
        body = {"manifest_url": manifest_url}
        if workspace:
            body["workspace_id"] = workspace
        resp = requests.post(self.base + "/_mock/install", json=body, timeout=60)
        assert resp.status_code == expect, f"POST /_mock/install: {resp.status_code} {resp.text}"
        answer = resp.json()
        issued = answer.pop("issued_tokens", {}) if isinstance(answer, dict) else {}
        for token in [issued.get("installation")] + list(issued.get("webhooks", [])):
            if token:
                record_secret(token)
        return answer

    def uninstall(self, workspace: str | None = None, expect: int = 200) -> dict:
        body = {"workspace_id": workspace} if workspace else {}
        return self.control("POST", "/uninstall", body, expect=expect).json()

    def emit(self, event: str, entity_id: str = "", workspace: str | None = None) -> dict:
        body = {"event": event, "entity_id": entity_id}
        if workspace:
            body["workspace_id"] = workspace
        return self.control("POST", "/emit", body, expect=202).json()

    def deliveries(self, limit: int = 500) -> list[dict]:
        return self.control("GET", "/deliveries", params={"limit": limit}, expect=200).json()["deliveries"]

    # -- its API, as a Clockify user --------------------------------------------------------------
    def api(self, method: str, path: str, token: str, *, body=None, params=None,
            reports: bool = False) -> requests.Response:
        """Calls the mock's REST API directly (path below /api or /reports). Not recorded for
        the no-secrets check: like Clockify's, these answers carry tokens by design
        (createWebhook, getWebhooks), and they are not the add-on's."""
        base = self.reports_url if reports else self.api_url
        return _unrecorded().request(method, base + path, json=body, params=params,
                                     headers={"X-Addon-Token": token}, timeout=30)


class ClockifyAddon:
    """A `uwh serve` installed into a `MockClockify` the way Clockify does it: the mock read the
    server's manifest and sent INSTALLED with an installation token whose backendUrl/reportsUrl
    claims point at the mock, so everything the server calls goes to the mock over HTTP.

    Attributes: `mock`, `server`, `workspace` (the installed workspace id), `installed` (the
    mock's answer to /_mock/install: addon_id, webhooks, …), `minter`.
    """

    def __init__(self, mock: MockClockify, server: Server, minter: Minter, installed: dict):
        self.mock = mock
        self.server = server
        self.minter = minter
        self.installed = installed
        self.workspace = installed["workspace_id"]

    def token(self, role: str = "ADMIN", user: str | None = None) -> str:
        """A Clockify user token for the UI API (workspaceRole `role`; default user: the mock's
        owner)."""
        user = user or self.mock.state(self.workspace)["owner_id"]
        return self.minter.mint("user", self.workspace, role=role, cache=True,
                                claims=[f"user={user}"])

    def mock_token(self, user: str | None = None) -> str:
        """A token the mock's own API accepts for this workspace, as `user` (default: the owner)."""
        user = user or self.mock.state(self.workspace)["owner_id"]
        return self.minter.mint("user", self.workspace, role="OWNER", cache=True,
                                claims=[f"user={user}"])

    def ui_get(self, path: str, token: str | None = None, **kw) -> requests.Response:
        return ui_get(self.server, path, token or self.token(), **kw)

    def execute(self, operation_id: str, parameters=None, *, token: str | None = None,
                body: dict | None = None) -> requests.Response:
        """POST /ui/api-explorer/execute as an admin (or `token`)."""
        payload = body if body is not None else {"operation_id": operation_id,
                                                 "parameters": parameters or {}}
        return self.server.post("/ui/api-explorer/execute", json_body=payload,
                                headers=ui_headers(token or self.token()), timeout=120)

    def dashboard(self) -> dict:
        resp = self.ui_get("/ui/dashboard")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def coverage(self) -> dict[str, dict]:
        """The dashboard's event coverage, by event type."""
        return {c["event_type"]: c for c in self.dashboard()["event_coverage"]}

    def wait_registrations(self, timeout: float = 60) -> dict[str, dict]:
        """Waits until the extra event types' registration through the Webhooks API has
        finished (no event is `pending` on the dashboard); returns the coverage."""
        deadline = time.monotonic() + timeout
        while True:
            coverage = self.coverage()
            if not any(c["status"] == "pending" for c in coverage.values()):
                return coverage
            assert time.monotonic() < deadline, \
                f"registrations still pending: {[e for e, c in coverage.items() if c['status'] == 'pending']}"
            time.sleep(0.1)


_mocks: list[MockClockify] = []
_plain = threading.local()


def _unrecorded() -> requests.Session:
    s = getattr(_plain, "s", None)
    if s is None:
        s = _plain.s = requests.Session()
    return s


@pytest.fixture(scope="session")
def make_mock(session_tmp, dev_keys):
    """Factory: make_mock(args=[...]) → a started MockClockify signing with the session's dev key.
    Stopped at the end of the session."""
    counter = [0]

    def factory(args=(), *, start: bool = True, name: str = "mock") -> MockClockify:
        counter[0] += 1
        mock = MockClockify(session_tmp / f"{name}-{counter[0]}", dev_keys, args)
        _mocks.append(mock)
        if start:
            mock.start()
        return mock

    yield factory
    for m in _mocks:
        m.stop()


@pytest.fixture(scope="session")
def make_clockify(make_mock, make_server, minter):
    """Factory for an installed add-on:

        addon = make_clockify(env={...}, mock_args=[...], mock=None)

    starts (or reuses `mock`) a `uwh mock-clockify`, starts a `uwh serve` on a known free port
    (its manifest's baseUrl is its own address) trusting the session's dev key, with `env` added
    to its environment, and has the mock install it (`POST /_mock/install {"manifest_url": …}`).
    Returns a ClockifyAddon once the registration of the extra event types has finished (unless
    `wait` is false), so the mock is quiet when the test starts. The bootstrap does not run on
    install unless `env` turns it on."""

    def factory(env: dict | None = None, *, mock_args=(), mock: MockClockify | None = None,
                name: str = "addon", wait: bool = True) -> ClockifyAddon:
        mock = mock or make_mock(mock_args)
        port = free_port()
        full_env = {"UNIVERSAL_WEBHOOK_PORT": str(port),
                    "UNIVERSAL_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}"}
        full_env.update(env or {})
        server = make_server(full_env, name=name)
        installed = mock.install(server.url("/manifest"))
        assert installed["lifecycle_status"] == 200, installed
        addon = ClockifyAddon(mock, server, minter, installed)
        if wait:
            addon.wait_registrations()
        return addon

    return factory


@pytest.fixture(scope="module")
def clockify(make_clockify) -> ClockifyAddon:
    """An add-on installed into a simulated Clockify, shared by the tests of one module (sidebar
    open to EVERYONE, so that non-admin users may read and are refused changes)."""
    addon = make_clockify({"UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS": "EVERYONE"})
    yield addon
    addon.server.stop()
    addon.mock.stop()


def install_into(make_server, mock: MockClockify, workspaces, env: dict | None = None,
                 name: str = "addon") -> Server:
    """One server installed by `mock` into several workspaces (make_clockify installs one),
    on a known free port; returns once every workspace's extra-event registration has finished."""
    port = free_port()
    full_env = {"UNIVERSAL_WEBHOOK_PORT": str(port),
                "UNIVERSAL_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}"}
    full_env.update(env or {})
    server = make_server(full_env, name=name)
    minter = Minter(mock.keys)
    for w in workspaces:
        installed = mock.install(server.url("/manifest"), w)
        assert installed["lifecycle_status"] == 200, installed
        ClockifyAddon(mock, server, minter, installed).wait_registrations()
    return server


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    """Polls `predicate` until it returns something true (returned), or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    value = predicate()
    assert value, f"timed out after {timeout}s waiting for {what}"
    return value
