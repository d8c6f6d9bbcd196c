"""What ``auditor readiness`` and ``auditor sso-config`` do once the CLI has an inventory and a config."""

from __future__ import annotations

from pathlib import Path

from auditor.config import Config
from auditor.errors import InputError
from auditor.inventory import Inventory
from auditor.readiness.assess import assess_readiness
from auditor.readiness.models import Readiness
from auditor.readiness.plan import build_plan, plan_files


def write_plan(inventory: Inventory, config: Config, output_dir: Path) -> tuple[Readiness, list[Path]]:
    """``migration-plan.md`` and ``migration-plan.csv`` in ``output_dir`` (created; the files are replaced)."""
    readiness = assess_readiness(inventory, config)
    plan = build_plan(inventory, readiness)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in plan_files(plan):
        path = output_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return readiness, written


def summary_line(readiness: Readiness) -> str:
    s = readiness.summary
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in s.accounts_by_verdict.items())
    return (
        f"accounts: {verdicts}; people: {s.humans_matched} of {s.humans} matched, {s.humans_unmatched} unmatched, "
        f"{s.humans_ambiguous} ambiguous, {s.access_gaps} access gap(s); active IAM user keys: {s.active_keys_left}"
    )


def account_lines(readiness: Readiness) -> list[str]:
    """One line per account for the terminal: ``acme-legacy (561740743005): blocked: no-assignments, access-gap``."""
    lines = []
    for account in readiness.accounts:
        label = f"{account.account_name} ({account.account_id})" if account.account_name else account.account_id
        codes = ", ".join(dict.fromkeys(b.code for b in account.blockers))
        lines.append(f"{label}: {account.verdict}" + (f": {codes}" if codes else ""))
    for skipped in readiness.accounts_not_assessed:
        lines.append(
            f"{skipped.account_name or skipped.account_id} ({skipped.account_id}): not assessed: {skipped.reason}"
        )
    return lines


def write_new_file(path: Path, text: str, force: bool) -> None:
    """Write ``text``; an existing file is replaced only with ``force`` (it may be someone's ~/.aws/config)."""
    try:
        with path.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise InputError(f"{path} exists: pass --force to replace it, or print to stdout without -o") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
