"""What ``auditor readiness`` and ``auditor sso-config`` do once the CLI has an inventory and a config."""

from __future__ import annotations

from pathlib import Path

from auditor.engine.config import Config
from auditor.errors import InputError
from auditor.inventory import Inventory
from auditor.readiness.assess import assess_readiness
from auditor.readiness.models import Readiness
from auditor.readiness.plan import build_plan, plan_files
from auditor.util.safefile import check_writable_file, prepare_output_dir, write_text_atomic


def write_plan(inventory: Inventory, config: Config, output_dir: Path) -> tuple[Readiness, list[Path]]:
    """``migration-plan.md`` and ``migration-plan.csv`` in ``output_dir`` (created; the files are replaced)."""
    readiness = assess_readiness(inventory, config)
    plan = build_plan(inventory, readiness)
    prepare_output_dir(output_dir)
    written = []
    for name, text in plan_files(plan):
        path = output_dir / name
        write_text_atomic(path, text)
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


def check_new_file(path: Path, force: bool) -> None:
    """Before anything is collected: ``path`` must be writable, and new unless ``force``."""
    if path.exists() and not force:
        raise _exists(path)
    check_writable_file(path, "-o")


def write_new_file(path: Path, text: str, force: bool) -> None:
    """Write ``text``; an existing file is replaced only with ``force`` (it may be someone's ~/.aws/config).

    With ``force`` the replacement is atomic (a half-written ~/.aws/config would break every profile);
    without it the file is created exclusively, so one that appeared since the check is not overwritten.
    """
    if force:
        write_text_atomic(path, text)
        return
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise _exists(path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _exists(path: Path) -> InputError:
    return InputError(f"{path} exists: pass --force to replace it, or print to stdout without -o")
