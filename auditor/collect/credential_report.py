"""The IAM credential report: generate it, wait for it politely, and parse its CSV into a ``CredentialReport``.

The report is the cheapest source of per-user facts (password use, MFA, key rotation and last use) and the
only one for the root user, so it is worth a bounded wait. Parsing is strict about what a value means:
sentinels (``N/A``, ``no_information``, ``not_supported``) are "no value", never dates or booleans.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.collect import calls
from auditor.collect.calls import CallContext, call
from auditor.inventory import (
    CollectionError,
    CredentialReport,
    CredentialReportCert,
    CredentialReportKey,
    CredentialReportRow,
)
from auditor.util.timestamps import as_utc

SENTINELS = frozenset({"", "n/a", "no_information", "not_supported"})
KEY_SLOTS = (1, 2)
CERT_SLOTS = (1, 2)

FIRST_POLL_DELAY_SECONDS = 1.0
MAX_POLL_DELAY_SECONDS = 16.0
MAX_TOTAL_WAIT_SECONDS = 60.0
# Under this, the time since the report was asked for is noise: the full delay is slept (and tests see round values)
EARLY_ENOUGH_SECONDS = 0.05

Sleep = Callable[[float], None]


# ------------------------------------------------------------------------------------------ fetching


@dataclass(frozen=True)
class ReportGeneration:
    """A ``GenerateCredentialReport`` that was asked for: its answer's state, and when (``monotonic_now``)."""

    state: str
    asked_at: float


def start_credential_report(ctx: CallContext, iam: Any) -> ReportGeneration | None:
    """Ask for the report now, read it later: AWS builds it (seconds) while the scan reads other things.

    ``None`` (plus an error entry) when the request itself failed.
    """
    asked_at = calls.monotonic_now()
    response = call(ctx, iam, "GenerateCredentialReport")
    if response is None:
        return None
    return ReportGeneration(state=str(response.get("State")), asked_at=asked_at)


def finish_credential_report(
    ctx: CallContext, iam: Any, generation: ReportGeneration | None, sleep: Sleep
) -> CredentialReport | None:
    """Wait for a started report (the time since it was asked for counts as waited) and read it; ``None`` (plus
    an error entry) if it is not ready. AWS answers ``GenerateCredentialReport`` with STARTED / INPROGRESS /
    COMPLETE; we ask again with exponential backoff (1, 2, 4, 8, 16, 16... s) and give up after about a minute
    rather than stall the whole scan."""
    if generation is None or not _wait_until_complete(ctx, iam, generation, sleep):
        return None
    response = call(ctx, iam, "GetCredentialReport")
    if response is None:
        return None
    return parse_credential_report(response["Content"], response.get("GeneratedTime"))


def _wait_until_complete(ctx: CallContext, iam: Any, generation: ReportGeneration, sleep: Sleep) -> bool:
    """Poll with backoff; each wait is shortened by the time that has already passed since the last request."""
    state, asked_at = generation.state, generation.asked_at
    delay, waited = FIRST_POLL_DELAY_SECONDS, 0.0
    while state != "COMPLETE":
        if waited + delay > MAX_TOTAL_WAIT_SECONDS:
            _record_timeout(ctx, waited)
            return False
        already = calls.monotonic_now() - asked_at
        if already < delay - EARLY_ENOUGH_SECONDS:  # a report asked for long enough ago is asked about at once
            sleep(delay if already < EARLY_ENOUGH_SECONDS else delay - already)
        waited += delay
        delay = min(delay * 2, MAX_POLL_DELAY_SECONDS)
        asked_at = calls.monotonic_now()
        response = call(ctx, iam, "GenerateCredentialReport")
        if response is None:
            return False
        state = str(response.get("State"))
    return True


def _record_timeout(ctx: CallContext, waited: float) -> None:
    ctx.errors.add(
        CollectionError(
            account_id=ctx.account_id,
            service="iam",
            operation="GenerateCredentialReport",
            error_code="ReportNotReady",
            message=f"credential report still not complete after {waited:.0f}s of polling",
        )
    )


# ------------------------------------------------------------------------------------------- parsing


def parse_credential_report(content: bytes | str, generated_time: datetime | None = None) -> CredentialReport:
    """Parse the report CSV; raise ``ValueError`` naming the column on a value that is neither data nor sentinel."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    rows = [_parse_row(raw) for raw in csv.DictReader(io.StringIO(text))]
    return CredentialReport(generated_time=as_utc(generated_time) if generated_time else None, rows=rows)


def _parse_row(raw: dict[str, str]) -> CredentialReportRow:
    return CredentialReportRow(
        user=raw["user"],
        arn=raw["arn"],
        user_creation_time=_date(raw, "user_creation_time"),
        password_enabled=_bool(raw, "password_enabled"),
        password_last_used=_date(raw, "password_last_used"),
        password_last_changed=_date(raw, "password_last_changed"),
        password_next_rotation=_date(raw, "password_next_rotation"),
        mfa_active=_bool(raw, "mfa_active") or False,
        access_keys=[key for slot in KEY_SLOTS if (key := _key_slot(raw, slot)) is not None],
        certs=[cert for slot in CERT_SLOTS if (cert := _cert_slot(raw, slot)) is not None],
    )


def _key_slot(raw: dict[str, str], slot: int) -> CredentialReportKey | None:
    """A slot that never held a key (inactive, never rotated) is not a key: leave it out."""
    prefix = f"access_key_{slot}_"
    active = _bool(raw, prefix + "active") or False
    last_rotated = _date(raw, prefix + "last_rotated")
    if not active and last_rotated is None:
        return None
    return CredentialReportKey(
        slot=slot,
        active=active,
        last_rotated=last_rotated,
        last_used_date=_date(raw, prefix + "last_used_date"),
        last_used_region=_text(raw, prefix + "last_used_region"),
        last_used_service=_text(raw, prefix + "last_used_service"),
    )


def _cert_slot(raw: dict[str, str], slot: int) -> CredentialReportCert | None:
    prefix = f"cert_{slot}_"
    active = _bool(raw, prefix + "active") or False
    last_rotated = _date(raw, prefix + "last_rotated")
    if not active and last_rotated is None:
        return None
    return CredentialReportCert(slot=slot, active=active, last_rotated=last_rotated)


def _text(raw: dict[str, str], column: str) -> str | None:
    value = (raw.get(column) or "").strip()
    return None if value.lower() in SENTINELS else value


def _bool(raw: dict[str, str], column: str) -> bool | None:
    value = _text(raw, column)
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"credential report column {column!r}: {value!r} is not a boolean")
    return lowered == "true"


def _date(raw: dict[str, str], column: str) -> datetime | None:
    value = _text(raw, column)
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"credential report column {column!r}: {value!r} is not a date") from None
