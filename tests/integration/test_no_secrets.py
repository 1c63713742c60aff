"""No secret in any response or log line (SPEC §3, §10; issue 2).

Runs after every other test of the session (marker `last`, ordered by conftest) and covers the
whole run: every token minted with `uwh dev token` (lifecycle, installation, webhook tokens, valid
or not) and every encryption key read back, against every response body and header the tests
received and every line any `uwh` process wrote."""
from __future__ import annotations

import re

import pytest

from conftest import LOG_LINES, RESPONSES, SECRETS

pytestmark = pytest.mark.last


_RUN = re.compile(r"[A-Za-z0-9_\-]{32,}")


def test_no_secret_in_any_response_or_log_line():
    assert SECRETS, "no secrets were recorded: did the other tests run?"
    # A JWT's signature part is what makes it unique: any leak of the token contains it. Those
    # are looked up by set membership among the base64url runs of each text; other secrets
    # (encryption keys) by plain substring search.
    signatures = {}
    others = []
    for s in SECRETS:
        if s.count(".") == 2 and len(s.split(".")[2]) >= 32:
            signatures[s.split(".")[2]] = s
        else:
            others.append(s)
    found = []

    def check(where: str, text: str):
        for run in _RUN.findall(text):
            if run in signatures:
                found.append(f"{where}: contains a token: {text[:300]!r}")
                return
        for o in others:
            if o in text:
                found.append(f"{where}: contains a secret: {text[:300]!r}")
                return

    for i, body in enumerate(list(RESPONSES)):
        check(f"response #{i}", body.decode("utf-8", "replace"))
    for line in list(LOG_LINES):
        check("log line", line)
    assert not found, f"{len(found)} leaks:\n" + "\n".join(found[:20])
    print(f"\nchecked {len(SECRETS)} secrets against {len(RESPONSES)} responses and "
          f"{len(LOG_LINES)} log lines")
