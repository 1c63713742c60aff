#!/usr/bin/env python3
"""Writes fuzz seeds made from the shared test data, which is read in place and never copied into
the repository: every selector of the JSONPath compliance suite with its document, templates over
each Clockify webhook sample, and each sample as a Clockify delivery and as a signed custom
delivery. Used by CTest (the fuzz_seeds fixture) and scripts/fuzz. Without the shared data it
writes nothing and succeeds: the committed corpora still run."""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import shutil
from pathlib import Path

# The fuzz_webhook target's fixed world (tests/fuzz/fuzz_webhook.cpp).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_700_000_000


def write(out: Path, target: str, name: str, text: str) -> None:
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")


def jsonpath_seeds(shared: Path, out: Path) -> int:
    cts = shared / "jsonpath-cts" / "cts.json"
    if not cts.is_file():
        return 0
    n = 0
    for i, test in enumerate(json.loads(cts.read_text(encoding="utf-8"))["tests"]):
        text = test["selector"]
        if "document" in test:
            text += "\n--\n" + json.dumps(test["document"], ensure_ascii=False)
        write(out, "fuzz_jsonpath", f"cts_{i:04d}", text)
        n += 1
    return n


def sign_custom(msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(SECRET[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def sample_seeds(shared: Path, out: Path) -> int:
    samples = sorted((shared / "clockify" / "webhook-samples").glob("*.json"))
    n = 0
    for path in samples:
        event = path.stem
        raw = path.read_text(encoding="utf-8")
        body = json.loads(raw)
        keys = list(body)[:8] if isinstance(body, dict) else []
        template = {k: f"{{{{ webhook.{k} }}}}" for k in keys if k.isidentifier()}
        template["text"] = f"{event}: {{{{ webhook.id | default: 'none' }}}} in {{{{workspace_id}}}}"
        write(out, "fuzz_template", event, json.dumps(template) + "\n--\n" + raw)
        write(out, "fuzz_json_scan", event, raw)
        write(out, "fuzz_webhook", f"clockify_{event}",
              f":event: {event}\nclockify-webhook-event-type: {event}\n"
              "content-type: application/json\n\n" + raw)
        msg_id = f"msg_{event.lower()}"
        signature = sign_custom(msg_id, NOW, raw.encode("utf-8"))
        write(out, "fuzz_webhook", f"custom_{event}",
              ":source: signed\nx-webhook-source: signed\nx-workspace-id: w1\n"
              f"x-event-type: {event}\nwebhook-id: {msg_id}\nwebhook-timestamp: {NOW}\n"
              f"webhook-signature: {signature}\ncontent-type: application/json\n\n" + raw)
        n += 4
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    n = jsonpath_seeds(args.shared, args.out) + sample_seeds(args.shared, args.out)
    print(f"wrote {n} seeds from {args.shared} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
