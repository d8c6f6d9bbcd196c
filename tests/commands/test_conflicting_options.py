"""Options that would be ignored without a word are usage errors: an input that replaces the collection
(``--from-inventory``, ``--demo``) with a collection option, or with the other input. One line, exit 2, on
every command that has them, before anything is read (the inventory files named here do not exist)."""

from __future__ import annotations

import argparse

import pytest

from auditor.cli import build_parser, main
from auditor.commands.options import Parser

# A value for each collection option, so each can be given on its own.
VALUES = {
    "--org": [],
    "--role-name": ["Audit"],
    "--external-id": ["x-1"],
    "--profile": ["dev"],
    "--accounts": ["111111111111"],
    "--exclude-accounts": ["111111111111"],
    "--ou": ["ou-ab12-cd34ef56"],
    "--concurrency": ["16"],  # the default value, given: still ignored, still refused
    "--region": ["eu-west-1"],
    "--identity-center-region": ["eu-west-1"],
    "--account-timeout": ["900"],
    "--timeout": ["60"],
}
INPUTS = {"--from-inventory": ["missing-inventory.json"], "--demo": []}
REQUIRED = {"sso-config": ["--all"]}  # what a command needs besides, so only the conflict is wrong


def _commands() -> dict[str, Parser]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def _long(action: argparse.Action) -> str:
    return max(action.option_strings, key=len)


def test_the_commands_that_collect_register_their_options() -> None:
    """The check covers every command with a replacing input, and every collection option each has."""
    commands = _commands()
    with_inputs = {name: [_long(a) for a in p.collection_inputs] for name, p in commands.items() if p.collection_inputs}
    assert with_inputs == {
        "scan": ["--from-inventory"],
        "readiness": ["--from-inventory", "--demo"],
        "sso-config": ["--from-inventory", "--demo"],
    }
    for name in ("scan", "collect", "readiness", "sso-config"):
        assert [_long(a) for a in commands[name].collection_options] == list(VALUES)


CASES = [
    (command, given, option)
    for command, inputs in (("scan", ["--from-inventory"]), ("readiness", list(INPUTS)), ("sso-config", list(INPUTS)))
    for given in inputs
    for option in VALUES
]


@pytest.mark.parametrize(("command", "given", "option"), CASES)
def test_an_input_that_replaces_the_collection_refuses_each_collection_option(
    command: str, given: str, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, given, *INPUTS[given], option, *VALUES[option], *REQUIRED.get(command, [])]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    what = "reads a saved inventory" if given == "--from-inventory" else "uses the demo organization"
    assert err == (
        f"auditor {command}: {given} {what}, so nothing is collected: {option} would be ignored; drop it (see --help)\n"
    )


def test_every_ignored_option_is_named_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scan", "--from-inventory", "x.json", "--accounts", "1", "--org", "--concurrency", "4", "--profile", "a"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "auditor scan: --from-inventory reads a saved inventory, so nothing is collected: --org, --profile, "
        "--accounts, --concurrency would be ignored; drop them (see --help)\n"
    )


@pytest.mark.parametrize("command", ["readiness", "sso-config"])
def test_demo_and_from_inventory_together_are_refused(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--demo", "--from-inventory", "x.json", *REQUIRED.get(command, [])])
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"auditor {command}: --from-inventory and --demo: pass one of them (see --help)\n"


def test_collection_options_alone_and_the_defaults_still_parse() -> None:
    """Without a replacing input the options are a collection's, and the defaults are applied after parsing."""
    from auditor.collect.options import DEFAULT_ACCOUNT_TIMEOUT_SECONDS, DEFAULT_CONCURRENCY, DEFAULT_ROLE_NAME
    from auditor.commands.sources import collect_options

    parser = build_parser()
    args = parser.parse_args(["scan", "--org", "--accounts", "111111111111", "--concurrency", "4"])
    options = collect_options(args)
    assert (options.org, options.accounts, options.concurrency) == (True, ["111111111111"], 4)
    defaults = collect_options(parser.parse_args(["readiness"]))
    assert defaults.role_name == DEFAULT_ROLE_NAME
    assert defaults.concurrency == DEFAULT_CONCURRENCY
    assert defaults.account_timeout == DEFAULT_ACCOUNT_TIMEOUT_SECONDS
    # A saved inventory with the options that are not the collection's is fine.
    saved = parser.parse_args(["scan", "--from-inventory", "x.json", "--local", "--format", "json"])
    assert saved.from_inventory is not None and saved.local is True
