"""Secrets never reach the debug output: every log record (and the ``--debug`` traceback) is redacted by pattern.

``--debug`` turns on botocore's wire log, which is what one needs to see retries, endpoints and throttling, but
which also prints whole responses and signed requests: an ``AssumeRole`` response holds the member account's
``SecretAccessKey`` and ``SessionToken`` (with the default OrganizationAccountAccessRole, administrator
credentials valid for an hour), and every signed request carries ``Authorization`` and ``X-Amz-Security-Token``.

The redaction is a ``logging.Filter`` installed on the *handlers* (a filter on a logger would miss the records
its children propagate). It rewrites the finished message (``msg % args``) and the exception text, so no code
path can print the raw values: XML elements, JSON and Python-repr keys, HTTP header lines of the canonical
request, form-encoded and query-string parameters, and temporary access key ids (``ASIA...``) anywhere.
Everything else (operation names, endpoints, status codes, retry decisions) is kept.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "***"

# Names whose values are secrets, whatever the casing or serialisation they appear in.
SECRET_NAMES = (
    "SecretAccessKey",
    "SecretKey",
    "aws_secret_access_key",
    "SessionToken",
    "aws_session_token",
    "SecurityToken",
    "X-Amz-Security-Token",
    "x-amz-sso_bearer_token",
    "Authorization",
    "Password",
    "NewPassword",
    "OldPassword",
    "accessToken",
    "refreshToken",
    "clientSecret",
    "idToken",
    "token",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "ExternalId",  # AssumeRole's shared secret against the confused deputy: in the request body and the params
)
_NAMES = "|".join(re.escape(name) for name in sorted(SECRET_NAMES, key=len, reverse=True))

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # XML (query-protocol responses such as sts:AssumeRole): <SecretAccessKey>...</SecretAccessKey>
    (re.compile(rf"<({_NAMES})>[^<]*</\1>", re.IGNORECASE), rf"<\1>{REDACTED}</\1>"),
    # JSON and Python reprs: "sessionToken": "...", 'X-Amz-Security-Token': b'...', 'token': '...'
    (
        re.compile(rf"""(["']?)({_NAMES})\1(\s*[:=]\s*)b?(["'])(?:\\.|(?!\4).)*\4""", re.IGNORECASE),
        rf"\1\2\1\3'{REDACTED}'",
    ),
    # HTTP header lines (botocore's CanonicalRequest, raw dumps): "x-amz-security-token:IQoJ..."
    (re.compile(rf"(?im)^({_NAMES})\s*:\s*\S.*$"), rf"\1:{REDACTED}"),
    # form-encoded bodies and query strings: SecretAccessKey=...&, X-Amz-Security-Token=...
    (re.compile(rf"(?i)\b({_NAMES})=[^&\s'\"<>]+"), rf"\1={REDACTED}"),
    # botocore's "Signature:\n<hex>" and "StringToSign" lines carry request signatures
    (re.compile(r"(?m)^(Signature:\s*\n?)[0-9a-f]{64}$"), rf"\1{REDACTED}"),
    # temporary (STS, SSO) access key ids, wherever they appear (Credential=ASIA.../date/region/...)
    (re.compile(r"\bASIA[A-Z0-9]{12,}\b"), "ASIA" + REDACTED),
)


def redact(text: str) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite ``record`` in place: its message rendered, redacted and frozen (args cleared); its exception and
    stack text redacted."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record must still be shown, as its raw template
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """On a handler: every record that handler emits is redacted, whichever logger it came from."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install(handlers: list[logging.Handler]) -> None:
    """Redact on two paths: a filter on ``handlers`` (the root logger's, where every record of every logger
    ends), and the log record factory, so a handler added later (by a plug-in, say) gets redacted records too."""
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
