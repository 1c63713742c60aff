"""Lifecycle endpoints (SPEC §4.2): install, reinstall, uninstall, settings, status; a bad
lifecycle token changes nothing; tokens are encrypted at rest."""
from __future__ import annotations

import json

import pytest

from conftest import (Server, assert_accepted, assert_error, b64url, forge_signature, install,
                      new_workspace, sample_for)

AS_USER = "5a0ab5acb07987125438b60f"


def snapshot(server: Server) -> dict:
    """Everything the lifecycle may change, read straight from the SQLite file."""
    out = {}
    for table in ("universal_webhook_installation", "universal_webhook_webhook_token",
                  "universal_webhook_bootstrap_state"):
        rows = server.query(f"SELECT * FROM {table} ORDER BY id")
        out[table] = [tuple(r) for r in rows]
    out["log"] = server.log_count()
    return out


def installation(server: Server, ws: str):
    rows = server.query("SELECT * FROM universal_webhook_installation WHERE workspace_id = ?",
                        (ws,))
    return rows[0] if rows else None


def tokens_of(server: Server, ws: str) -> list:
    return server.query("SELECT * FROM universal_webhook_webhook_token WHERE workspace_id = ? "
                        "ORDER BY event_type", (ws,))


def settings_of(server: Server, ws: str) -> dict:
    return json.loads(installation(server, ws)["settings_json"] or "{}")


def setting(settings: dict, sid: str):
    """A setting's stored value, whether stored flat ({"bootstrap.max_rps":10}) or nested."""
    if sid in settings:
        return settings[sid]
    section, key = sid.split(".", 1)
    return (settings.get(section) or {}).get(key)


def body_for(hook: str, ws: str, **extra) -> dict:
    base = {"addonId": "dev-addon", "workspaceId": ws}
    if hook == "uninstalled":
        base["asUser"] = AS_USER
    if hook == "status-changed":
        base["status"] = "INACTIVE"
    if hook == "settings-updated":
        base["settings"] = [{"id": "bootstrap.max_rps", "name": "Max RPS", "value": 7}]
    base.update(extra)
    return base


def send(server, event, tag, token, workspace):
    return server.send_webhook(event, sample_for(event, workspace, _it_case=tag), token)


# --------------------------------------------------------------------------------------------
def test_install_stores_installation_and_tokens(server, minter):
    ws = new_workspace()
    events = ["NEW_PROJECT", "NEW_TAG", "TIMER_STOPPED"]
    inst = install(server, minter, ws, events, full_url_every=3)
    assert inst.response.headers.get("X-Request-Id")
    row = installation(server, ws)
    assert row is not None, "no installation row"
    assert row["is_active"] in (1, True)
    assert row["addon_token"], "installation token not stored"
    assert row["addon_token"] != inst.auth_token
    assert inst.auth_token not in row["addon_token"]
    toks = tokens_of(server, ws)
    assert sorted(t["event_type"] for t in toks) == sorted(events)
    for t in toks:
        assert t["token_ciphertext"]
        assert t["token_ciphertext"] != inst[t["event_type"]]
        for plain in inst.values():
            assert plain not in t["token_ciphertext"]
    # Each token works for its event.
    for e in events:
        assert_accepted(send(server, e, f"install-{ws}", inst[e], ws), e)


def test_reinstall_replaces_tokens(server, minter):
    ws = new_workspace()
    old = install(server, minter, ws, ["NEW_PROJECT"])
    assert_accepted(send(server, "NEW_PROJECT", "reinstall-old-ok", old["NEW_PROJECT"], ws),
                    "old")
    new = install(server, minter, ws, ["NEW_PROJECT"])
    assert new["NEW_PROJECT"] != old["NEW_PROJECT"]
    before = server.log_count()
    r = send(server, "NEW_PROJECT", "reinstall-old-refused", old["NEW_PROJECT"], ws)
    assert_error(r, 401, "invalid_signature", "replaced webhook token")
    assert server.log_count() == before
    assert_accepted(send(server, "NEW_PROJECT", "reinstall-new-ok", new["NEW_PROJECT"], ws),
                    "new")
    assert len(tokens_of(server, ws)) == 1
    assert server.query("SELECT COUNT(*) AS n FROM universal_webhook_installation "
                        "WHERE workspace_id = ?", (ws,))[0]["n"] == 1


def test_reinstall_after_uninstall_reactivates(server, minter):
    ws = new_workspace()
    first = install(server, minter, ws, ["NEW_TAG"])
    r = server.lifecycle("uninstalled", ws, body_for("uninstalled", ws), minter=minter)
    assert r.status_code == 200, r.text
    row = installation(server, ws)
    assert row["is_active"] in (0, False)
    assert not row["addon_token"], "uninstall must erase the installation token"
    assert tokens_of(server, ws) == [], "uninstall must erase the webhook tokens"
    r = send(server, "NEW_TAG", "after-uninstall", first["NEW_TAG"], ws)
    assert r.status_code in (401, 403), r.text
    again = install(server, minter, ws, ["NEW_TAG"])
    assert installation(server, ws)["is_active"] in (1, True)
    assert_accepted(send(server, "NEW_TAG", "reinstalled", again["NEW_TAG"], ws), "reinstalled")


# --------------------------------------------------------------------------------------------
# Bad lifecycle tokens: 401 invalid_signature, nothing changes
# --------------------------------------------------------------------------------------------
def bad_tokens(minter, other_keys, ws: str) -> dict:
    good = minter.lifecycle(ws)
    payload = good.split(".")[1]
    none_hdr = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return {
        "missing": None,
        "empty": "",
        "garbage": "garbage",
        "forged": forge_signature(good),
        "other-workspace": minter.lifecycle(new_workspace()),
        "other-key": minter.lifecycle(ws, key=other_keys),
        "expired": minter.lifecycle(ws, ttl="-5m"),
        "other-addon": minter.lifecycle(ws, claims=["sub=other-addon"]),
        "other-issuer": minter.lifecycle(ws, claims=["iss=someone"]),
        "alg-none": f"{none_hdr}.{payload}.",
    }


@pytest.mark.parametrize("hook", ["installed", "uninstalled", "settings-updated",
                                  "status-changed"])
def test_bad_lifecycle_token_changes_nothing(server, minter, other_keys, hook):
    installed_ws = new_workspace()
    install(server, minter, installed_ws, ["NEW_PROJECT"])
    fresh_ws = new_workspace()
    for name, tok in bad_tokens(minter, other_keys, installed_ws).items():
        for ws in (installed_ws, fresh_ws):
            if name in ("other-key", "expired", "other-addon", "other-issuer", "forged",
                        "alg-none") and ws == fresh_ws:
                continue  # minted for installed_ws; covered by other-workspace
            if hook == "installed":
                body = {"addonId": "dev-addon", "authToken": minter.install(ws),
                        "workspaceId": ws, "asUser": AS_USER, "apiUrl": "http://127.0.0.1:9/api",
                        "addonUserId": AS_USER,
                        "webhooks": [{"path": "/webhooks/clockify/NEW_TAG",
                                      "webhookType": "ADDON",
                                      "authToken": minter.webhook(ws)}]}
            else:
                body = body_for(hook, ws)
            before = snapshot(server)
            r = server.lifecycle(hook, ws, body, token=tok)
            assert_error(r, 401, "invalid_signature", f"{hook} with {name} token for {ws}")
            assert snapshot(server) == before, f"{hook} with {name} token changed the database"
    assert installation(server, fresh_ws) is None


@pytest.mark.parametrize("hook", ["installed", "uninstalled", "settings-updated",
                                  "status-changed"])
def test_user_webhook_and_installation_tokens_cannot_make_lifecycle_calls(server, minter, hook):
    """Signed by Clockify's key with the same claims pattern, but not lifecycle tokens: a user
    token (any user who opens the sidebar has one), a webhook's token (never expires, sent with
    every delivery) and the installation token are refused and change nothing."""
    ws = new_workspace()
    inst = install(server, minter, ws, ["NEW_PROJECT"])
    others = {"user with role USER": minter.mint("user", ws, role="USER"),
              "user with role OWNER": minter.mint("user", ws),
              "webhook": inst["NEW_PROJECT"], "installation": inst.auth_token}
    for name, tok in others.items():
        if hook == "installed":
            body = {"addonId": "dev-addon", "authToken": minter.install(ws), "workspaceId": ws,
                    "asUser": AS_USER, "apiUrl": "http://127.0.0.1:9/api", "addonUserId": AS_USER,
                    "webhooks": [{"path": "/webhooks/clockify/NEW_TAG", "webhookType": "ADDON",
                                  "authToken": minter.webhook(ws)}]}
        else:
            body = body_for(hook, ws)
        before = snapshot(server)
        r = server.lifecycle(hook, ws, body, token=tok)
        assert_error(r, 401, "invalid_signature", f"{hook} with the {name} token")
        assert tok not in r.text
        assert snapshot(server) == before, f"{hook} with the {name} token changed the database"
    body = sample_for("NEW_PROJECT", ws, name="still installed")
    assert_accepted(server.send_webhook("NEW_PROJECT", body, inst["NEW_PROJECT"]))


def test_lifecycle_invalid_json(server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    before = snapshot(server)
    r = server.post("/lifecycle/settings-updated", data=b"{not json",
                    headers={"X-Addon-Lifecycle-Token": minter.lifecycle(ws)})
    assert r.status_code in (400, 401), r.text
    if r.status_code == 400:
        assert_error(r, 400, "invalid_json")
    assert snapshot(server) == before


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------
def test_settings_updated_both_forms(server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    r = server.lifecycle("settings-updated", ws, {"workspaceId": ws, "addonId": "dev-addon",
                         "settings": [{"id": "bootstrap.max_rps", "name": "Max RPS", "value": 10},
                                      {"id": "bootstrap.time_entry_days_back", "name": "Days",
                                       "value": "45"},
                                      {"id": "flows.enable_flows", "name": "Flows",
                                       "value": False}]},
                         minter=minter)
    assert r.status_code == 200, r.text
    s = settings_of(server, ws)
    assert setting(s, "bootstrap.max_rps") == 10
    assert setting(s, "bootstrap.time_entry_days_back") in (45, "45")
    assert setting(s, "flows.enable_flows") in (False, "false")

    r = server.lifecycle("settings-updated", ws,
                         {"workspaceId": ws, "settings": {"bootstrap": {"max_rps": 20},
                                                          "data": {"cache_ttl_days": 3}}},
                         minter=minter)
    assert r.status_code == 200, r.text
    s = settings_of(server, ws)
    assert setting(s, "bootstrap.max_rps") == 20
    assert setting(s, "data.cache_ttl_days") == 3
    # The earlier, untouched values are kept.
    assert setting(s, "bootstrap.time_entry_days_back") in (45, "45")

    # The limits themselves are accepted.
    r = server.lifecycle("settings-updated", ws, {"workspaceId": ws, "settings": [
        {"id": "bootstrap.max_rps", "value": 50}, {"id": "bootstrap.time_entry_days_back",
                                                   "value": 1}]}, minter=minter)
    assert r.status_code == 200, r.text
    assert setting(settings_of(server, ws), "bootstrap.max_rps") == 50


INVALID_SETTINGS = [
    ("list max_rps 0", [{"id": "bootstrap.max_rps", "name": "Max RPS", "value": 0}],
     "max_rps"),
    ("list max_rps 51", [{"id": "bootstrap.max_rps", "name": "Max RPS", "value": 51}],
     "max_rps"),
    ("list days back 0", [{"id": "bootstrap.time_entry_days_back", "value": 0}],
     "time_entry_days_back"),
    ("nested max_rps 0", {"bootstrap": {"max_rps": 0}}, "max_rps"),
    ("nested max_rps 51", {"bootstrap": {"max_rps": 51}}, "max_rps"),
    ("nested days back 0", {"bootstrap": {"time_entry_days_back": 0}}, "time_entry_days_back"),
    ("valid then invalid", [{"id": "bootstrap.max_rps", "value": 33},
                            {"id": "bootstrap.time_entry_days_back", "value": 0}],
     "time_entry_days_back"),
    ("max_rps not a number", [{"id": "bootstrap.max_rps", "value": "fast"}], "max_rps"),
]


@pytest.mark.parametrize("name,settings,field", INVALID_SETTINGS,
                         ids=[c[0] for c in INVALID_SETTINGS])
def test_settings_out_of_range(server, minter, name, settings, field):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    r = server.lifecycle("settings-updated", ws,
                         {"workspaceId": ws, "settings": [{"id": "bootstrap.max_rps",
                                                           "value": 12}]}, minter=minter)
    assert r.status_code == 200, r.text
    before_settings = installation(server, ws)["settings_json"]
    before = snapshot(server)
    r = server.lifecycle("settings-updated", ws, {"workspaceId": ws, "settings": settings},
                         minter=minter)
    err = assert_error(r, 400, "validation_failed", name)
    assert err.get("field"), f"{name}: no field in {err}"
    assert field in err["field"] or field in err["message"], \
        f"{name}: the error names neither {field} in field nor in message: {err}"
    assert installation(server, ws)["settings_json"] == before_settings
    assert snapshot(server) == before
    assert setting(settings_of(server, ws), "bootstrap.max_rps") == 12


# --------------------------------------------------------------------------------------------
# Status and unknown workspaces
# --------------------------------------------------------------------------------------------
def test_status_changed(server, minter):
    ws = new_workspace()
    install(server, minter, ws, ["NEW_PROJECT"])
    for status in ("INACTIVE", "ACTIVE", "INACTIVE"):
        r = server.lifecycle("status-changed", ws, {"addonId": "dev-addon", "workspaceId": ws,
                                                    "status": status}, minter=minter)
        assert r.status_code == 200, r.text
        assert installation(server, ws)["status"] == status
    before = snapshot(server)
    r = server.lifecycle("status-changed", ws, {"workspaceId": ws, "status": "PAUSED"},
                         minter=minter)
    err = assert_error(r, 400, "validation_failed", "status PAUSED")
    assert err.get("field") == "status", err
    assert snapshot(server) == before


@pytest.mark.parametrize("hook", ["uninstalled", "settings-updated", "status-changed"])
def test_unknown_workspace_is_404(server, minter, hook):
    ws = new_workspace()
    before = snapshot(server)
    r = server.lifecycle(hook, ws, body_for(hook, ws), minter=minter)
    assert_error(r, 404, "not_found", f"{hook} for a workspace never installed")
    assert snapshot(server) == before
    assert installation(server, ws) is None


# --------------------------------------------------------------------------------------------
# Encryption at rest
# --------------------------------------------------------------------------------------------
def test_tokens_are_encrypted_at_rest(server, minter):
    ws = new_workspace()
    inst = install(server, minter, ws, ["NEW_PROJECT", "NEW_TAG", "NEW_CLIENT"])
    assert_accepted(send(server, "NEW_TAG", "at-rest", inst["NEW_TAG"], ws), "NEW_TAG")
    blob = server.stored_bytes()
    assert blob, "nothing read from the database"
    assert b"NEW_TAG" in blob, "the database dump misses the webhook log"
    secrets = [inst.auth_token, *inst.values()]
    for tok in secrets:
        for part in (tok, tok.split(".")[2]):
            assert part.encode() not in blob, "a token is stored in plaintext in the database"
