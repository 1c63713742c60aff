"""The API explorer against the simulated Clockify over real HTTP (SPEC §4.4, §5; issue 4).

The add-on is installed by `uwh mock-clockify` the way Clockify does it, so every call the
explorer makes goes to the mock with the installation token. Expected values come from
Clockify's OpenAPI document read here and from the mock's own state (/_mock/state, /_mock/stats),
never from the server under test."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import SHARED, assert_error, assert_no_jwt, new_workspace, ui_get, ui_headers

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


# --------------------------------------------------------------------------------------------
# The document, read independently of the server
# --------------------------------------------------------------------------------------------
def _document() -> dict:
    return json.loads((SHARED / "clockify" / "openapi.json").read_text())


DOC = _document()


def _deref(node):
    if isinstance(node, dict) and "$ref" in node:
        target = DOC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return target
    return node


def document_operations() -> dict[str, dict]:
    out = {}
    for path, item in DOC["paths"].items():
        item = _deref(item)
        for method, op in item.items():
            if method not in METHODS:
                continue
            server = (op.get("servers") or item.get("servers") or DOC["servers"])[0]["url"]
            params = {}
            for raw in item.get("parameters", []) + op.get("parameters", []):
                p = _deref(raw)
                params[(p["name"], p["in"])] = bool(p.get("required", False))
            tags = op.get("tags", [])
            deprecated = (op.get("deprecated", False) or any("(Deprecated)" in t for t in tags)
                          or "localhost:5050" in server)
            out[op["operationId"]] = {"method": method.upper(), "path": path, "tags": tags,
                                      "tag": tags[0] if tags else "", "server": server,
                                      "summary": op.get("summary", ""),
                                      "params": params, "deprecated": deprecated,
                                      "has_body": "requestBody" in op}
    return out


OPS = document_operations()


def listed(clockify, **params) -> list[dict]:
    r = clockify.ui_get("/ui/api-explorer/endpoints", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"]), body["total"]
    return body["items"]


def execute_ok(clockify, operation_id, parameters=None, **kw) -> dict:
    r = clockify.execute(operation_id, parameters, **kw)
    assert r.status_code == 200, f"{operation_id}: {r.status_code} {r.text[:500]}"
    assert_no_jwt(r.text, operation_id)
    assert "x-addon-token" not in r.text.lower(), r.text[:500]
    return r.json()


# --------------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------------
def test_the_document_has_what_the_issue_expects():
    assert len(OPS) == 170
    assert sum(1 for o in OPS.values() if "localhost:5050" in o["server"]) == 14


def test_every_operation_is_listed_as_the_document_says(clockify):
    items = listed(clockify, include_deprecated="true")
    assert len(items) == 170
    by_id = {i["operation_id"]: i for i in items}
    assert set(by_id) == set(OPS)
    for op_id, doc in OPS.items():
        item = by_id[op_id]
        assert item["method"] == doc["method"], op_id
        assert item["path"] == doc["path"], op_id
        assert item["tag"] == doc["tag"], op_id
        assert item["tags"] == doc["tags"], op_id
        assert item["server_url"] == doc["server"], op_id
        assert item["deprecated"] == doc["deprecated"], op_id
        params = {(p["name"], p["in"]): p["required"] for p in item["parameters"]}
        assert params == doc["params"], op_id
        assert (item["request_body"] is not None) == doc["has_body"], op_id


def test_deprecated_operations_are_listed_only_on_request(clockify):
    default = {i["operation_id"] for i in listed(clockify)}
    assert default == {k for k, o in OPS.items() if not o["deprecated"]}
    explicit = {i["operation_id"] for i in listed(clockify, include_deprecated="false")}
    assert explicit == default


@pytest.mark.parametrize("params,expected", [
    ({"tag": "Project"}, lambda o: "Project" in o["tags"]),
    ({"method": "delete"}, lambda o: o["method"] == "DELETE"),
    ({"q": "webhook"}, lambda o: any("webhook" in s.lower() for s in (o["id"], o["summary"], o["path"]))),
    ({"q": "TIME-ENTRIES", "method": "GET"},
     lambda o: o["method"] == "GET" and any("time-entries" in s.lower()
                                            for s in (o["id"], o["summary"], o["path"]))),
])
def test_filters_and_search(clockify, params, expected):
    got = [i["operation_id"] for i in listed(clockify, **params)]
    want = [k for k, o in OPS.items() if not o["deprecated"] and expected({**o, "id": k})]
    assert want, "the filter selects nothing in the document"
    assert got == want  # document order


def test_bad_filters_are_refused(clockify):
    assert_error(clockify.ui_get("/ui/api-explorer/endpoints", params={"method": "FETCH"}),
                 400, "validation_failed")
    assert_error(clockify.ui_get("/ui/api-explorer/endpoints",
                                 params={"include_deprecated": "yes"}), 400, "validation_failed")


def test_one_operations_detail_has_resolved_schemas(clockify):
    r = clockify.ui_get("/ui/api-explorer/endpoints/createNewProject")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["method"] == "POST" and d["path"] == OPS["createNewProject"]["path"]
    body_schema = d["request_body"]["schema"]
    doc_schema = _deref(DOC["paths"][d["path"]]["post"]["requestBody"]["content"]
                        ["application/json"]["schema"])
    assert set(body_schema["properties"]) == set(doc_schema["properties"])
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node)
            for k, v in node.items():
                if k not in ("example", "examples", "enum", "default"):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(d)
    assert all(r.get("x-cycle") is True for r in refs), refs[:3]
    names = {p["name"]: p for p in d["parameters"]}
    assert names["workspaceId"]["required"] is True and names["workspaceId"]["in"] == "path"


def test_unknown_operation_detail_suggests_close_ids(clockify):
    err = assert_error(clockify.ui_get("/ui/api-explorer/endpoints/getProjekts"), 404,
                       "unknown_operation")
    assert "getProjects" in err["suggestions"], err


# --------------------------------------------------------------------------------------------
# Execute
# --------------------------------------------------------------------------------------------
def test_get_projects_returns_the_workspaces_projects(clockify):
    state = clockify.mock.state(clockify.workspace)
    out = execute_ok(clockify, "getProjects", {"page-size": 500})
    assert out["status_code"] == 200 and out["ok"] is True
    assert isinstance(out["latency_ms"], int) and out["latency_ms"] >= 0
    assert out["request"] == {
        "method": "GET",
        "url": f"{clockify.mock.api_url}/v1/workspaces/{clockify.workspace}/projects?page-size=500"}
    assert [p["id"] for p in out["data"]] == [p["id"] for p in state["projects"]]
    assert [p["name"] for p in out["data"]] == [p["name"] for p in state["projects"]]
    assert out["headers"].get("content-type", "").startswith("application/json")


def test_pages_follow_page_and_page_size(clockify):
    state = clockify.mock.state(clockify.workspace)
    ids = [p["id"] for p in state["projects"]]
    assert len(ids) > 5
    # Split parameters this time.
    out = execute_ok(clockify, "getProjects", {"query": {"page": 2, "page-size": 5}})
    assert [p["id"] for p in out["data"]] == ids[5:10]


def test_create_then_update_a_project(clockify):
    name = f"Explorer {uuid.uuid4().hex[:8]}"
    client = clockify.mock.state(clockify.workspace)["clients"][0]
    out = execute_ok(clockify, "createNewProject",
                     {"body": {"name": name, "clientId": client["id"], "billable": True,
                               "color": "#FF5722"}})
    assert out["status_code"] == 201, out
    assert out["request"]["method"] == "POST"
    created = out["data"]
    stored = {p["id"]: p for p in clockify.mock.state(clockify.workspace)["projects"]}
    assert created["id"] in stored
    assert stored[created["id"]]["name"] == name
    assert stored[created["id"]]["clientId"] == client["id"]

    renamed = name + " (renamed)"
    out = execute_ok(clockify, "updateProject",
                     {"path": {"projectId": created["id"]},
                      "body": {"name": renamed, "note": "changed through the explorer"}})
    assert out["status_code"] == 200, out
    assert out["request"]["url"].endswith(f"/v1/workspaces/{clockify.workspace}/projects/"
                                          f"{created['id']}")
    stored = {p["id"]: p for p in clockify.mock.state(clockify.workspace)["projects"]}
    assert stored[created["id"]]["name"] == renamed
    assert stored[created["id"]]["note"] == "changed through the explorer"


def test_time_entries_of_a_user(clockify):
    state = clockify.mock.state(clockify.workspace)
    user = state["users"][1]["id"]
    mine = [e for e in state["time_entries"] if e["userId"] == user]
    assert len(mine) > 10
    mine.sort(key=lambda e: e["timeInterval"]["start"], reverse=True)
    # Flat parameters: names matched to the operation's path and query parameters.
    out = execute_ok(clockify, "getTimeEntries", {"userId": user, "page-size": 1000})
    assert out["status_code"] == 200
    assert [e["id"] for e in out["data"]] == [e["id"] for e in mine]
    start = datetime.now(timezone.utc) - timedelta(days=10)
    since = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = execute_ok(clockify, "getTimeEntries", {"userId": user, "start": since,
                                                  "page-size": 1000})
    want = [e["id"] for e in mine if e["timeInterval"]["start"] >= since]
    assert [e["id"] for e in out["data"]] == want


def test_a_report_goes_to_the_reports_url(clockify):
    state = clockify.mock.state(clockify.workspace)
    end = datetime.now(timezone.utc)
    start = end - timedelta(days=60)
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    before = clockify.mock.stats()["by_operation"].get("generateDetailedReport", 0)
    out = execute_ok(clockify, "generateDetailedReport",
                     {"body": {"dateRangeStart": start.strftime(fmt),
                               "dateRangeEnd": end.strftime(fmt),
                               "detailedFilter": {"page": 1, "pageSize": 1000}}})
    assert out["status_code"] == 200, out
    assert out["request"]["url"] == (f"{clockify.mock.reports_url}/v1/workspaces/"
                                     f"{clockify.workspace}/reports/detailed")
    assert clockify.mock.stats()["by_operation"]["generateDetailedReport"] == before + 1
    finished = {e["id"] for e in state["time_entries"]
                if e["timeInterval"]["end"] is not None
                and start.strftime("%Y-%m-%dT%H:%M:%S") <= e["timeInterval"]["start"][:19]}
    assert {e["_id"] for e in out["data"]["timeEntries"]} == finished


def test_a_deprecated_operation_is_not_executed(clockify):
    deprecated = sorted(k for k, o in OPS.items() if "localhost:5050" in o["server"])
    before = clockify.mock.stats()["total_requests"]
    for op_id in deprecated[:3]:
        err = assert_error(clockify.execute(op_id, {}), 400, "deprecated_operation", op_id)
        assert op_id in err["message"]
    assert clockify.mock.stats()["total_requests"] == before


def test_a_missing_required_parameter_is_named(clockify):
    err = assert_error(clockify.execute("getTimeEntries", {}), 400, "missing_parameter")
    assert "userId" in err["message"]
    assert err.get("field") == "parameters.userId", err
    err = assert_error(clockify.execute("updateProject", {"body": {"name": "x"}}), 400,
                       "missing_parameter")
    assert "projectId" in err["message"]


def test_an_unknown_operation_gets_close_suggestions(clockify):
    r = clockify.execute("getProjcts", {})
    assert "getProjcts" not in OPS
    err = assert_error(r, 404, "unknown_operation")
    assert "getProjects" in err["suggestions"], err
    assert len(err["suggestions"]) >= 2


def test_another_workspaces_id_is_forbidden(clockify):
    before = clockify.mock.stats()["total_requests"]
    other = new_workspace()
    assert_error(clockify.execute("getProjects", {"workspaceId": other}), 403, "forbidden")
    assert_error(clockify.execute("getProjects", {"path": {"workspaceId": other}}), 403,
                 "forbidden")
    assert_error(clockify.ui_get("/ui/api-explorer/endpoints", params={"workspace_id": other}),
                 403, "forbidden")
    # The caller's own id is fine.
    execute_ok(clockify, "getTags", {"workspaceId": clockify.workspace})
    assert clockify.mock.stats()["total_requests"] == before + 1


def test_changes_need_an_admin(clockify):
    user = clockify.mock.state(clockify.workspace)["users"][3]["id"]
    token = clockify.token("USER", user=user)
    before = clockify.mock.stats()["by_operation"].get("createNewProject", 0)
    err = assert_error(clockify.execute("createNewProject", {"body": {"name": "Not allowed"}},
                                        token=token), 403, "forbidden")
    assert "USER" in err["message"]
    assert_error(clockify.execute("deleteTag", {"id": "x"}, token=token), 403, "forbidden")
    assert clockify.mock.stats()["by_operation"].get("createNewProject", 0) == before
    # Reading is allowed (the sidebar is open to everyone here).
    out = execute_ok(clockify, "getTags", {}, token=token)
    assert out["status_code"] == 200


def test_an_upstream_error_is_reported_in_the_body(clockify):
    op = next(k for k, o in OPS.items() if o["method"] == "GET"
              and o["path"].endswith("/projects/{projectId}"))
    out = execute_ok(clockify, op, {"projectId": "0" * 24})
    assert out["status_code"] == 404 and out["ok"] is False
    assert isinstance(out["data"], dict) and out["data"].get("code") == 404, out


def test_the_explorer_needs_credentials(clockify):
    r = clockify.server.post("/ui/api-explorer/execute",
                             json_body={"operation_id": "getProjects", "parameters": {}})
    assert_error(r, 401, "unauthenticated")
    r = ui_get(clockify.server, "/ui/api-explorer/endpoints", None)
    assert_error(r, 401, "unauthenticated")
    r = clockify.server.post("/ui/api-explorer/execute", data=b"{not json",
                             headers=ui_headers(clockify.token()))
    assert_error(r, 400, "invalid_json")


def test_secrets_in_clockifys_answers_are_redacted(clockify):
    # Clockify lists a workspace's webhooks with the authToken that signs their deliveries; the
    # explorer shows that the member is there, never its value.
    r = clockify.execute("getWebhooks", {})
    assert r.status_code == 200, r.text[:500]
    assert_no_jwt(r.text, "getWebhooks")
    tokens = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k.lower().endswith("token"):
                    tokens.append(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(r.json()["data"])
    assert tokens, f"the mock listed no webhook with a token: {r.text[:500]}"
    assert set(tokens) == {"[redacted]"}, tokens
