"""The value types of the options: each turns one argument into a value, or into argparse's one-line usage error
(exit 2) naming the option."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from auditor.errors import InputError

if TYPE_CHECKING:
    from auditor.findings import Severity


def csv_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def calendar_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def positive_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number <= 86400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds between 0 and 86400, got {value!r}")
    return number


def severity(value: str) -> Severity:
    from auditor.findings import Severity  # the findings model (pydantic): only when --fail-on is given

    try:
        return Severity.parse(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
