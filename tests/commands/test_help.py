"""Help that matches the command: each command's --help names only options it has and lists its exit codes;
what --debug shows, the SARIF category and the two sso-config profile options are said per command; a name
that matches nothing gets "did you mean" (rule ids, formats; users and groups in tests/readiness)."""

from __future__ import annotations

import argparse
import re

import pytest

from auditor.cli import build_parser, main
from auditor.commands.options import Parser

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
QUOTED_COMMAND = re.compile(r"`auditor ([a-z-]+)([^`]*)`")  # `auditor scan --from-inventory` names scan's option


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> dict[str, Parser]:
    monkeypatch.setenv("COLUMNS", "1000")  # no line wrapped, so no option name is cut at its hyphen
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {name for action in parser._actions for name in action.option_strings}


def test_every_command_s_help_names_only_its_own_options_and_lists_its_exit_codes(
    commands: dict[str, Parser],
) -> None:
    foreign = []
    without_exit_codes = []
    for name, parser in commands.items():
        text = parser.format_help()
        if "\nexit codes:\n" not in text or not re.search(r"^  0  \S", text, re.MULTILINE):
            without_exit_codes.append(name)
        for other, quoted in QUOTED_COMMAND.findall(text):  # another command's option, named with its command
            foreign += [
                f"{name}: `auditor {other}` {o}" for o in OPTION.findall(quoted) if o not in _options(commands[other])
            ]
        own = QUOTED_COMMAND.sub("", text)
        foreign += [f"{name}: {option}" for option in OPTION.findall(own) if option not in _options(parser)]
    assert without_exit_codes == []
    assert foreign == []


def test_exit_codes_are_the_command_s_own(commands: dict[str, Parser]) -> None:
    def codes(name: str) -> list[str]:
        epilog = commands[name].format_help().split("\nexit codes:\n", 1)[1]
        return re.findall(r"^\s{0,2}(\d+)  ", epilog, re.MULTILINE)

    for gated in ("scan", "local", "scan-code", "demo"):
        assert codes(gated) == ["0", "1", "2", "3", "130", "143"]
    assert codes("readiness") == ["0", "2", "3", "130", "143"]  # no --fail-on: no 1
    assert "--fail-on" not in commands["readiness"].format_help()
    assert codes("collect") == ["0", "2", "3", "130", "143"]
    assert codes("sso-config") == ["0", "2", "3", "130", "143"]
    for simple in ("diff", "policy", "schema", "merge", "rules", "completion", "history"):
        assert codes(simple) == ["0", "2", "130", "143"]
    assert "with --save-inventory the partial inventory is saved" in commands["scan"].format_help()
    assert "--save-inventory" not in commands["local"].format_help()


def test_every_help_lists_the_signal_exit_codes_in_the_same_words(
    commands: dict[str, Parser], monkeypatch: pytest.MonkeyPatch
) -> None:
    """130 and 143 come from one place (``options.exit_codes``): the top-level help and every command's list
    them, the same words each time, and the numbers are the ones ``auditor.launch`` ends with."""
    from auditor.launch import EXIT_INTERRUPTED, EXIT_TERMINATED

    helps = {"auditor": build_parser().format_help()} | {name: p.format_help() for name, p in commands.items()}
    for name, text in helps.items():
        epilog = text.split("\nexit codes:\n", 1)[1]
        assert re.search(rf"^{EXIT_INTERRUPTED}  interrupted \(Ctrl-C\)", epilog, re.MULTILINE), name
        assert re.search(
            rf"^{EXIT_TERMINATED}  terminated \(SIGTERM: a CI job cancelled\), handled as Ctrl-C", epilog, re.MULTILINE
        ), name
    assert "143  terminated (SIGTERM: a CI job cancelled), handled as Ctrl-C; with --save-inventory" in helps["scan"]


def _help_of(parser: argparse.ArgumentParser, option: str) -> str:
    action = next(a for a in parser._actions if option in a.option_strings)
    return str(action.help)


def test_debug_promises_botocore_s_log_only_where_aws_is_called(commands: dict[str, Parser]) -> None:
    calls_aws = {"scan", "collect", "readiness", "sso-config", "demo"}
    for name, parser in commands.items():
        debug = _help_of(parser, "--debug")
        assert ("botocore" in debug) == (name in calls_aws), (name, debug)
        if name not in calls_aws:
            assert debug == "show tracebacks (this command calls no AWS API), every secret redacted"


def test_sarif_category_names_the_shard_selection_only_where_it_can_be_made(commands: dict[str, Parser]) -> None:
    assert "--ou/--accounts/--exclude-accounts" in _help_of(commands["scan"], "--sarif-category")
    for name in ("local", "scan-code", "demo"):
        category = _help_of(commands[name], "--sarif-category")
        assert "--ou" not in category and "--accounts" not in category
        assert "'default'" in category


def test_sso_config_says_which_profile_is_which(commands: dict[str, Parser]) -> None:
    sso = commands["sso-config"]
    assert _help_of(sso, "--profile").startswith("the credentials to read with:")
    template = _help_of(sso, "--profile-template")
    assert template.startswith("the names of the profiles written (the output; --profile names the credentials")
    assert _help_of(sso, "--profile-region").startswith("each written profile's region")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["rules", "KEY-01"],
            "auditor: error: unknown rule id 'KEY-01' (did you mean 'KEY-001' or 'KEY-005' or 'KEY-004'?)",
        ),
        (["rules", "show", "root-01"], "auditor: error: unknown rule id 'root-01' (did you mean 'ROOT-001'"),
        (["rules", "ZZZ"], "auditor: error: unknown rule id 'ZZZ' (see `auditor rules`)"),  # nothing close
    ],
)
def test_an_unknown_rule_id_suggests_the_closest(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1


def test_an_unknown_format_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scan-code", "--format", "jsn"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "auditor scan-code: argument --format: unknown format 'jsn' (did you mean json? choose from html, json, "
        "sarif, table) (see --help)\n"
    )
