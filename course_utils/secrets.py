"""Keys never leave the kernel: masking for reprs and scrubbing for anything written to disk.

``scrub`` removes every key form we know of (Authorization / api-key headers, ``key=`` query
parameters, JWTs, signed-URL signatures, provider key prefixes) from text. Record mode runs it on
everything before a fixture is written; tests run ``find_secrets`` over every committed file.
"""
from __future__ import annotations

import re

REDACTED = "<redacted>"

# (name, pattern). Patterns are deliberately broad: a false positive costs a redaction, a miss leaks a key.
SECRET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("openai key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("google api key", re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}")),
    ("runway key", re.compile(r"\bkey_[0-9a-f]{32,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
    ("bearer token", re.compile(r"(?i)\bbearer\s+(?!<redacted>|test-|replay-)(?=[A-Za-z0-9_\-\.=:+/]*\d)[A-Za-z0-9_\-\.=:+/]{16,}")),
    ("authorization header", re.compile(r"(?i)(\"?(?:authorization|x-goog-api-key|api-key|x-api-key|x-fal-key)\"?\s*[:=]\s*\"?)(?!<redacted>)(?:key\s+|bearer\s+)?(?!<redacted>|test-|replay-|\{|\$)[^\s\",]{8,}")),
    ("key query parameter", re.compile(r"(?i)([?&](?:key|api_key|apikey|token|access_token)=)(?!<redacted>)[^&\s\"']{8,}")),
    ("signed url signature", re.compile(r"(?i)([?&](?:X-Goog-Signature|X-Amz-Signature|Signature|sig)=)(?!<redacted>)[^&\s\"']{8,}")),
    ("fal key", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{32}\b")),
]


def mask(key: str | None) -> str:
    """A key as it may be shown: its kind and length, never its characters."""
    if not key:
        return "<not set>"
    return f"<set, {len(key)} chars>"


def scrub(text: str, extra_secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Replace every secret-looking span in ``text`` (and each exact ``extra_secrets`` value)."""
    for secret in extra_secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    for _name, pattern in SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def scrub_headers(headers: dict[str, str]) -> dict[str, str]:
    """A copy of HTTP headers with credential headers redacted."""
    sensitive = {"authorization", "x-goog-api-key", "api-key", "x-api-key", "x-fal-key", "cookie", "set-cookie"}
    return {k: (REDACTED if k.lower() in sensitive else scrub(str(v))) for k, v in headers.items()}


#: Query parameters that carry a credential or a URL signature.
SENSITIVE_QUERY = {"key", "api_key", "apikey", "token", "access_token", "x-goog-signature", "x-amz-signature",
                   "signature", "sig", "x-goog-credential", "x-amz-credential", "x-amz-security-token"}


def scrub_query(query: dict[str, str]) -> dict[str, str]:
    """A copy of URL query parameters with credentials and signatures redacted."""
    return {k: (REDACTED if k.lower() in SENSITIVE_QUERY else scrub(str(v))) for k, v in query.items()}


def find_secrets(text: str) -> list[tuple[str, str]]:
    """``(pattern name, excerpt)`` for each secret-looking span still in ``text``."""
    found = []
    for name, pattern in SECRET_PATTERNS:
        for m in pattern.finditer(text):
            span = m.group(0)
            if REDACTED in span:
                continue
            found.append((name, span[:12] + "…"))
    return found
