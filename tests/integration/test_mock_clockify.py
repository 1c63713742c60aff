"""The simulated Clockify looks like Clockify to the add-on (SPEC §12; issue 4): the spec's paths
and response shapes, realistic seeded data, paging, token checks, the 50 requests/s limit, faults,
installing the add-on like Clockify, and signed webhooks when data changes through it.

Response shapes are checked against Clockify's OpenAPI document read here."""
from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import SHARED

DOC = json.loads((SHARED / "clockify" / "openapi.json").read_text())
TYPES = {"string": str, "boolean": bool, "object": dict, "array": list,
         "integer": int, "number": (int, float)}


def resolve(schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        node = DOC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def shape_errors(value, schema, where="$", depth=0) -> list[str]:
    """Where `value` does not have the document's shape: a property of the wrong JSON type or a
    required one missing (nested objects and arrays to a few levels)."""
    schema = resolve(schema)
    if depth > 4 or not isinstance(schema, dict):
        return []
    if value is None:
        return []  # Clockify sends null for absent values of any type
    # The document models its enums as objects with oneOf [string enum]: any alternative will do.
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives and any(not shape_errors(value, alt, where, depth + 1) for alt in alternatives):
        return []
    expected = schema.get("type")
    if expected in TYPES:
        ok = isinstance(value, TYPES[expected]) and not (
            expected in ("integer", "number") and isinstance(value, bool))
        # Where the document's own example has another type than it declares (custom field
        # values: "object", example a string), the example's type is accepted too.
        example = schema.get("example")
        if not ok and example is not None and type(example) is type(value):
            ok = True
        if not ok:
            return [f"{where}: {type(value).__name__}, the document says {expected}"]
    errors = []
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}.{name}: missing (required)")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                errors += shape_errors(value[name], sub, f"{where}.{name}", depth + 1)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:5]):
            errors += shape_errors(item, schema["items"], f"{where}[{i}]", depth + 1)
    return errors


def response_schema(operation_id: str) -> tuple[str, str, dict]:
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                ok = op["responses"].get("200") or op["responses"].get("201")
                return method.upper(), path, ok["content"]["application/json"]["schema"]
    raise KeyError(operation_id)


def api(clockify, method, path, token=None, **kw):
    return clockify.mock.api(method, f"/v1/workspaces/{clockify.workspace}{path}",
                          token if token is not None else clockify.mock_token(), **kw)


# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation_id,path", [
    ("getProjects", "/projects"),
    ("getClients", "/clients"),
    ("getTags", "/tags"),
    ("getUsersOfWorkspace", "/users"),
    ("getUserGroups", "/user-groups"),
    ("getWebhooks", "/webhooks"),
    ("getTasks", "/projects/{projectId}/tasks"),
    ("getTimeEntries", "/user/{userId}/time-entries"),
])
def test_answers_have_the_documents_paths_and_shapes(clockify, operation_id, path):
    state = clockify.mock.state(clockify.workspace)
    method, doc_path, schema = response_schema(operation_id)
    assert doc_path == "/v1/workspaces/{workspaceId}" + path
    concrete = (path.replace("{projectId}", state["tasks"][0]["projectId"])
                .replace("{userId}", state["users"][0]["id"]))
    r = api(clockify, method, concrete)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body, f"{operation_id} answered nothing"
    errors = shape_errors(body, schema)
    assert not errors, f"{operation_id}: {errors[:10]}"


def test_the_seeded_workspace_is_realistic(clockify):
    state = clockify.mock.state(clockify.workspace)
    roles = [u["role"] for u in state["users"]]
    assert len(roles) >= 5 and roles[0] == "OWNER" and "ADMIN" in roles and "USER" in roles
    assert len({u["email"] for u in state["users"]}) == len(roles)
    assert len(state["clients"]) >= 3
    assert len(state["projects"]) >= 10
    with_tasks = {t["projectId"] for t in state["tasks"]}
    assert len(with_tasks) >= len(state["projects"]) // 2
    assert len(state["tags"]) > 50  # more than one default page
    assert len(state["user_groups"]) >= 2
    assert len(state["custom_fields"]) >= 2
    entries = state["time_entries"]
    assert 200 <= len(entries) <= 3000, len(entries)
    now = datetime.now(timezone.utc)
    starts = [datetime.fromisoformat(e["timeInterval"]["start"].replace("Z", "+00:00")) for e in entries]
    assert min(starts) >= now - timedelta(days=61) and max(starts) <= now
    assert max(starts) - min(starts) >= timedelta(days=45)
    users = {u["id"] for u in state["users"]}
    projects = {p["id"] for p in state["projects"]}
    assert {e["userId"] for e in entries} <= users and len({e["userId"] for e in entries}) >= 5
    assert {e["projectId"] for e in entries if e["projectId"]} <= projects


def test_pages_follow_page_and_page_size(clockify):
    tags = [t["id"] for t in clockify.mock.state(clockify.workspace)["tags"]]
    first = api(clockify, "GET", "/tags").json()
    assert [t["id"] for t in first] == tags[:50]  # page-size 50 by default
    second = api(clockify, "GET", "/tags", params={"page": 2}).json()
    assert [t["id"] for t in second] == tags[50:100]
    small = api(clockify, "GET", "/tags", params={"page": 3, "page-size": 7}).json()
    assert [t["id"] for t in small] == tags[14:21]
    assert api(clockify, "GET", "/tags", params={"page": 99}).json() == []
    assert api(clockify, "GET", "/tags", params={"page-size": "x"}).status_code == 400


def test_a_valid_token_for_the_workspace_is_required(clockify, minter, other_keys):
    assert api(clockify, "GET", "/tags", token="").status_code == 401
    assert api(clockify, "GET", "/tags", token="not-a-jwt").status_code == 401
    foreign = minter.mint("user", clockify.workspace, key=other_keys, cache=True)
    assert api(clockify, "GET", "/tags", token=foreign).status_code == 401
    other_ws = minter.mint("user", "5f" + uuid.uuid4().hex[:22], cache=True)
    assert api(clockify, "GET", "/tags", token=other_ws).status_code == 401
    assert api(clockify, "GET", "/tags").status_code == 200


def test_above_fifty_requests_per_second_it_answers_429(clockify):
    clockify.mock.reset_stats()
    token = clockify.mock_token()
    session = requests.Session()

    def one(_):
        return session.get(f"{clockify.mock.api_url}/v1/workspaces/{clockify.workspace}/tags",
                           params={"page-size": 1}, headers={"X-Addon-Token": token}, timeout=30)

    # Batches of 150 concurrent requests until one is refused (a slow machine may need more
    # than one batch to go above 50 per second).
    answers = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(6):
            answers += list(pool.map(one, range(150)))
            if any(a.status_code == 429 for a in answers):
                break
    limited = [a for a in answers if a.status_code == 429]
    ok = [a for a in answers if a.status_code == 200]
    assert len(ok) + len(limited) == len(answers)
    assert limited, f"{len(answers)} requests and none refused"
    assert all(a.headers.get("Retry-After") for a in limited)
    assert limited[0].json().get("code") == 429
    stats = clockify.mock.workspace_stats(clockify.workspace)
    assert stats["rate_limited"] == len(limited)
    # What it let through stays within 50 per one-second window.
    window = sorted(r["at_ms"] for r in clockify.mock.requests_seen(1000) if r["status"] == 200)
    j = 0
    for i in range(len(window)):
        while window[i] - window[j] >= 1000:
            j += 1
        assert i - j + 1 <= 50, "more than 50 answered within one second"
    time.sleep(1.1)


def test_faults_on_request(clockify):
    mock = clockify.mock
    try:
        mock.set_faults(latency_ms=300)
        t0 = time.monotonic()
        assert api(clockify, "GET", "/tags", params={"page-size": 1}).status_code == 200
        assert time.monotonic() - t0 >= 0.3
        mock.set_faults(error_rate=1, status=502)
        assert api(clockify, "GET", "/tags").status_code == 502
        mock.set_faults(burst_429=2, retry_after=3)
        answers = [api(clockify, "GET", "/tags") for _ in range(3)]
        assert [a.status_code for a in answers] == [429, 429, 200]
        assert answers[0].headers["Retry-After"] == "3"
        mock.set_faults(drop_connections=1)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{mock.api_url}/v1/workspaces/{clockify.workspace}/tags",
                         headers={"X-Addon-Token": clockify.mock_token()}, timeout=10)
        assert mock.stats()["dropped_connections"] >= 1
        assert mock.control("POST", "/faults", {"error_rate": 2}).status_code == 400
    finally:
        mock.clear_faults()


def test_it_installs_the_add_on_like_clockify(clockify):
    manifest = clockify.server.get("/manifest").json()
    state = clockify.mock.state(clockify.workspace)
    inst = [i for i in state["installations"] if i["addon_key"] == manifest["key"]]
    assert len(inst) == 1 and inst[0]["base_url"] == manifest["baseUrl"]
    lifecycle = {entry["type"]: entry["path"] for entry in manifest["lifecycle"]}
    assert inst[0]["lifecycle"] == lifecycle
    # One ADDON webhook per manifest entry, at the manifest's path.
    addon_hooks = {h["webhookEvent"]: h["url"] for h in state["webhooks"] if h["webhookType"] == "ADDON"}
    assert addon_hooks == {w["event"]: manifest["baseUrl"] + w["path"] for w in manifest["webhooks"]}
    # The installation's URLs are the token's claims, pointing at the mock.
    row = clockify.server.query("SELECT backend_url, reports_url, api_url, is_active FROM "
                             "universal_webhook_installation WHERE workspace_id = ?",
                             (clockify.workspace,))[0]
    assert row["backend_url"] == clockify.mock.api_url
    assert row["reports_url"] == clockify.mock.reports_url
    assert row["api_url"] == clockify.mock.api_url and row["is_active"]
    tokens = clockify.server.query("SELECT event_type FROM universal_webhook_webhook_token WHERE "
                                "workspace_id = ? AND route = 'manifest'", (clockify.workspace,))
    assert sorted(t["event_type"] for t in tokens) == sorted(w["event"] for w in manifest["webhooks"])


def test_signed_webhooks_follow_data_changes(clockify):
    name = f"mock tag {uuid.uuid4().hex[:8]}"
    before = clockify.server.log_count()
    r = api(clockify, "POST", "/tags", body={"name": name})
    assert r.status_code == 201, r.text
    tag = r.json()
    deadline = time.monotonic() + 20
    while True:
        rows = clockify.server.query(
            "SELECT event_type, CAST(payload_json AS TEXT) AS payload, headers_json FROM "
            "universal_webhook_log WHERE workspace_id = ? AND id > 0 ORDER BY id",
            (clockify.workspace,))
        mine = [x for x in rows if x["event_type"] == "NEW_TAG" and tag["id"] in x["payload"]]
        if mine:
            break
        assert time.monotonic() < deadline, "the NEW_TAG webhook never arrived"
        time.sleep(0.1)
    assert clockify.server.log_count() > before
    payload = json.loads(mine[0]["payload"])
    assert payload["id"] == tag["id"] and payload["name"] == name
    headers = json.loads(mine[0]["headers_json"])
    assert headers["clockify-webhook-event-type"] == "NEW_TAG"
    assert headers["clockify-signature"] == "[redacted]"
    delivery = [d for d in clockify.mock.deliveries() if d["event"] == "NEW_TAG"][-1]
    assert delivery["status"] == 200 and delivery["url"].endswith("/webhooks/clockify/NEW_TAG")
