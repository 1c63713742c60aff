"""Fixtures and helpers for the integration tests.

Every test talks to a real `uwh serve` process over HTTP and checks its SQLite file independently
with Python's sqlite3. Everything is hermetic: temporary directories, PORT=0 (the server picks a
free port and logs it), a temporary development key pair.

Environment:
  UWH_BIN         the binary (default <repo>/build/src/app/uwh)
  UWH_SHARED_DIR  the shared inputs, read in place (default <repo>/../shared)
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("UWH_SHARED_DIR") or (REPO.parent / "shared")).resolve()
UWH_BIN = Path(os.environ.get("UWH_BIN") or (REPO / "build" / "src" / "app" / "uwh")).resolve()
SAMPLES_DIR = SHARED / "clockify" / "webhook-samples"
MANIFEST_SCHEMA = SHARED / "clockify" / "manifest-schema-1.3.json"

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


class Server:
    """One `uwh serve` process in its own working directory with its own SQLite file."""

    def __init__(self, workdir: Path, keys: KeyPair | None, env: dict | None = None,
                 db_url: str | None = None, db_path: Path | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = Path(db_path) if db_path else self.workdir / "uwh.db"
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
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            LOG_LINES.append(line)
            if self.port is None and '"listening"' in line:
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if obj.get("msg") == "listening" and "port" in obj:
                    self.port = int(obj["port"])
                    self._listening.set()

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
    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        conn = self.db()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

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
# The simulated Clockify (SPEC §12) and a server installed by it
# --------------------------------------------------------------------------------------------
OPENAPI = SHARED / "clockify" / "openapi.json"


def free_port() -> int:
    """A port free right now: for servers whose manifest must name their own address before
    they start (the mock calls the add-on at its manifest's baseUrl)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MockClockify:
    """One `uwh mock-clockify` process, signing with the session's development key."""

    def __init__(self, workdir: Path, keys: KeyPair, args=()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.keys = keys
        self.args = list(args)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.workspace: str | None = None
        self.lines: list[str] = []
        self._listening = threading.Event()

    def start(self, timeout: float = 20.0) -> "MockClockify":
        require_binary()
        self.proc = subprocess.Popen(
            [str(UWH_BIN), "mock-clockify", "--port", "0", "--key", str(self.keys.private),
             "--openapi", str(OPENAPI), *self.args],
            cwd=self.workdir, env=clean_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._listening.wait(timeout):
            self.stop()
            raise AssertionError(f"uwh mock-clockify did not listen: {self.lines[-20:]}")
        return self

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            LOG_LINES.append(line)
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("msg") == "listening" and self.port is None:
                self.port = int(obj["port"])
                self.workspace = obj.get("workspace_id")
                self._listening.set()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, **kw):
        kw.setdefault("timeout", 15)
        r = http().get(self.base + path, **kw)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:300]}"
        return r.json()

    def post(self, path: str, body: dict | None = None, **kw):
        kw.setdefault("timeout", 60)
        return http().post(self.base + path, json=body or {}, **kw)

    def state(self) -> dict:
        return self.get("/_mock/state", params={"workspace_id": self.workspace})

    def stats(self) -> dict:
        return self.get("/_mock/stats")

    def workspace_stats(self) -> dict:
        return self.stats()["by_workspace"].get(self.workspace, {})

    def install(self, server: Server) -> dict:
        """Installs the add-on served by `server` like Clockify does."""
        r = self.post("/_mock/install", {"manifest_url": server.url("/manifest"),
                                          "workspace_id": self.workspace})
        assert r.status_code == 200, f"install: {r.status_code} {r.text[:500]}"
        return r.json()


@pytest.fixture(scope="session")
def make_mock(session_tmp, dev_keys):
    """Factory: make_mock(args=()) → a started MockClockify; all are stopped at the end."""
    mocks: list[MockClockify] = []
    counter = [0]

    def factory(args=()) -> MockClockify:
        counter[0] += 1
        m = MockClockify(session_tmp / f"mock-{counter[0]}", dev_keys, args).start()
        mocks.append(m)
        return m

    yield factory
    for m in mocks:
        m.stop()


def mock_installed_server(make_server, mock: MockClockify, env: dict | None = None, *,
                          name: str = "mocked") -> Server:
    """A server on a port of its own (its manifest names it), installed into the mock's
    workspace. The bootstrap runs on install unless `env` says otherwise."""
    port = free_port()
    settings = {"UNIVERSAL_WEBHOOK_PORT": str(port),
                "UNIVERSAL_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
                "UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL": "true"}
    settings.update(env or {})
    srv = make_server(settings, name=name)
    mock.install(srv)
    return srv
