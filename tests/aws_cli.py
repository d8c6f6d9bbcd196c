"""The real AWS CLI as the judge of the commands the product prints.

``AwsCli`` runs this module as a child process that imports the AWS CLI (the ``awscli`` package, version 1, from
PyPI; the test extra installs it). A child process, because ``awscli`` replaces ``sys.modules["botocore"]`` with
its own copy of botocore when imported: loaded into the test process, it would swap botocore under boto3 and
moto. The child answers one JSON request per line on stdin:

* ``check``: does the AWS CLI accept the line? It is parsed by the CLI's own argument parser (operation name,
  option names, shorthand syntax, required options) and its parameters validated by botocore against the API
  model; a ``before-call`` hook then stops the request, so nothing is sent. Option names must be written in
  full (argparse would accept ``--user-nam`` for ``--user-name``; a printed command should not rely on that).
* ``run``: run the line against the endpoint in ``env`` (a moto server), with the credentials in ``env``.

A line is one command (``aws SERVICE OPERATION ...``, optionally after ``VAR=value`` assignments), or the one
loop the product writes (``for VAR in $(LISTING); do COMMAND "$VAR"; done``: the listing runs, then the
command once per item it printed; a body of commands joined by ``&&`` runs them in turn). The migration
plan's account guard (``( [ "$(aws sts get-caller-identity ...)" = ACCOUNT ] || {...}; LINE )``) is understood:
``run`` calls ``get-caller-identity`` first and runs the line only when it answers that account, as the shell
would; a password a person types (``read -rs password && ...``) is a stand-in. ``aws sso login`` and ``aws
configure sso`` belong to AWS CLI version 2 only (they are the CLI's own commands, not API operations): they are
checked against the options AWS CLI v2 documents for them and never run. A value the reader must supply
(``<group-id>``) is checked with a stand-in.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# AWS CLI v2's own commands the product prints, with the options its reference documents:
# https://awscli.amazonaws.com/v2/documentation/api/latest/reference/sso/login.html
# https://awscli.amazonaws.com/v2/documentation/api/latest/reference/configure/sso.html
V2_ONLY_COMMANDS = {
    ("sso", "login"): {"--profile", "--sso-session", "--no-browser", "--use-device-code"},
    ("configure", "sso"): {"--profile", "--no-browser", "--use-device-code"},
}
LOOP = re.compile(r"^for (?P<var>\w+) in \$\((?P<listing>.+?)\); do (?P<body>.+); done$")
CAPTURE = re.compile(r"^(?P<var>\w+)=\$\((?P<command>.+)\)$")  # NAME=$(aws ... --query Q --output text)
SHELL_OPERATORS = ("|", "&&", "||", ";")
GUARD = re.compile(
    r'^\( \[ "\$\((?P<check>aws sts get-caller-identity --query Account --output text)\)" = (?P<account>\d{12}) \] '
    r"\|\| \{ [^}]*\}; (?P<line>.+) \)$"
)
PASSWORD_READ = "read -rs password && "
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
PLACEHOLDER = re.compile(r"<[^<>\s]+(?: [^<>\s]+)*>")
# Stand-ins long enough for the shortest ids the API models allow (a signing certificate's: 24; an assignment
# request's: 36), and an account id where one is expected (exactly 12 digits).
STAND_IN = "STANDIN0-1234-5678-9ABC-DEFGHIJKLMNO"
ACCOUNT_STAND_IN = "111122223333"


@dataclass
class Command:
    argv: list[str]  # after "aws"
    env: dict[str, str] = field(default_factory=dict)

    @property
    def operation(self) -> tuple[str, str]:
        return (self.argv[0], self.argv[1]) if len(self.argv) > 1 else (self.argv[0] if self.argv else "", "")


def guard(line: str) -> tuple[str | None, str]:
    """``(the account the line is guarded to, the line inside the guard)``; ``(None, line)`` when unguarded."""
    match = GUARD.match(line)
    inner = match["line"] if match else line
    return (match["account"] if match else None), inner.removeprefix(PASSWORD_READ)


def loop_body(line: str) -> list[Command]:
    """A loop's commands (a body of several joined by ``&&``); the command of any other line."""
    loop = LOOP.match(guard(line)[1])
    if loop is None:
        return [c for c in [parse(line)[2]] if c is not None]
    return [c for part in loop["body"].split(" && ") if (c := _command(part)) is not None]


def parse(line: str) -> tuple[str | None, Command | None, Command | None]:
    """``(loop variable, listing, command)``: a loop, or ``(None, None, command)``; ``command`` None when the line
    is not an AWS CLI command (``auditor sso-config ...``). A capture (``NAME=$(aws ...)``) is its command; a loop
    body that pipes the command's output on (``... | grep -qF X && echo "$b"``) is the command alone. A guarded
    line is the line inside the guard."""
    line = guard(line)[1]
    loop = LOOP.match(line)
    if loop:
        return loop["var"], _command(loop["listing"]), _command(loop["body"])
    capture = CAPTURE.match(line)
    if capture:
        return None, None, _command(capture["command"])
    return None, None, _command(line)


def _command(text: str) -> Command | None:
    words = []
    for word in shlex.split(text):
        if word in SHELL_OPERATORS or word.startswith(("2>", ">")):
            break
        words.append(word)
    env: dict[str, str] = {}
    while words and ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if not words or words[0] != "aws":
        return None
    return Command(words[1:], env)


def placeholders(line: str) -> list[str]:
    """The values the reader must supply (``<group-id>``), outside shell quoting of the loop variable."""
    return PLACEHOLDER.findall(line)


# ------------------------------------------------------------------------------------------- the test side


class AwsCli:
    """The child process: ``check(line)`` and ``run(line, env)`` return what it answered."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": ""},
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the AWS CLI child process ended (exit {self.process.wait()})")
        return json.loads(answer)

    def check(self, line: str) -> dict[str, Any]:
        return self.ask({"op": "check", "line": line})

    def run(self, line: str, env: dict[str, str]) -> dict[str, Any]:
        return self.ask({"op": "run", "line": line, "env": env})

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


# ------------------------------------------------------------------------------------------- the child side


class _Stop(Exception):
    """Raised by the before-call hook: the CLI parsed the command and botocore validated its parameters."""


def _driver() -> Any:
    from awscli.clidriver import create_clidriver

    return create_clidriver()


def _main(argv: list[str], hooks: dict[str, Any] | None = None) -> tuple[int, str, str]:
    driver = _driver()
    for event, handler in (hooks or {}).items():
        driver.session.register(event, handler)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = driver.main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return int(code or 0), out.getvalue(), err.getvalue()


def _unknown_options(command: Command) -> list[str]:
    """Options not written in full (or not options of the operation at all)."""
    driver = _driver()
    service, operation = command.operation
    table = driver._get_command_table()  # the CLI's own command table (awscli.clidriver)
    if service not in table:
        return [service]
    operations = table[service]._get_command_table()
    if operation not in operations:
        return [operation]
    known = {f"--{name}" for name in operations[operation].arg_table} | {
        f"--{name}" for name in driver._get_argument_table()
    }
    return [word for word in command.argv[2:] if word.startswith("--") and word not in known]


def _stand_in(placeholder: re.Match[str]) -> str:
    name = placeholder.group(0)
    if name.endswith(("account-id>", "account_id>")):
        return ACCOUNT_STAND_IN
    return "3600" if "seconds" in name else STAND_IN


def _check_command(command: Command) -> dict[str, Any]:
    # a loop's variable ("$id") and a value the reader supplies ("<group-id>") are checked with a stand-in
    argv = [STAND_IN if word.startswith("$") else PLACEHOLDER.sub(_stand_in, word) for word in command.argv]
    # a named profile must exist before the CLI goes further: check with the one the child's config file has
    argv = [STAND_IN if before == "--profile" else word for before, word in zip(["", *argv], argv, strict=False)]
    if command.operation in V2_ONLY_COMMANDS:
        options = [word for word in argv[2:] if word.startswith("--")]
        unknown = [option for option in options if option not in V2_ONLY_COMMANDS[command.operation]]
        return {"argv": argv, "ok": not unknown, "error": f"unknown options {unknown}" if unknown else None}
    validated: list[str] = []

    def stop(model: Any, **_: Any) -> None:
        validated.append(model.name)
        raise _Stop

    _, _, err = _main([*argv, "--region", "us-east-1"], {"before-call": stop})
    unknown = _unknown_options(Command(argv))
    ok = bool(validated) and not unknown
    error = None if ok else (f"options not written in full or unknown: {unknown}" if unknown else err.strip())
    return {"argv": argv, "ok": ok, "operation": validated[0] if validated else None, "error": error}


def _check(line: str) -> dict[str, Any]:
    variable, listing, command = parse(line)
    if command is None:
        return {"aws": False, "commands": []}
    commands = [listing, *loop_body(line)] if listing is not None else [command]
    account, _ = guard(line)
    if account is not None:
        commands.insert(0, _command(GUARD.match(line)["check"]))  # type: ignore[index]
    return {"aws": True, "loop": variable is not None, "commands": [_check_command(c) for c in commands if c]}


def _run_command(command: Command, env: dict[str, str]) -> dict[str, Any]:
    if command.operation in V2_ONLY_COMMANDS:
        return {"argv": command.argv, "rc": None, "skipped": "AWS CLI v2 only"}
    saved = dict(os.environ)
    os.environ.update({**env, **command.env})
    called: list[str] = []
    try:
        code, out, err = _main(command.argv, {"before-call": lambda model, **_: called.append(model.name)})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    operation = called[0] if called else None
    return {"argv": command.argv, "operation": operation, "rc": code, "stdout": out, "stderr": err.strip()}


def _run(line: str, env: dict[str, str]) -> dict[str, Any]:
    variable, listing, command = parse(line)
    if command is None:
        return {"aws": False, "commands": []}
    results = []
    account, _ = guard(line)
    if account is not None:
        checked = _run_command(_command(GUARD.match(line)["check"]), env)  # type: ignore[arg-type,index]
        results.append(checked)
        if checked["rc"] != 0 or checked["stdout"].strip() != account:
            checked["rc"] = checked["rc"] or 1
            checked["stderr"] = f"guard: not account {account} ({checked['stdout'].strip()}) {checked['stderr']}"
            return {"aws": True, "commands": results}
    if listing is None or variable is None:
        return {"aws": True, "commands": [*results, _run_command(command, env)]}
    listed = _run_command(listing, env)
    results.append(listed)
    if listed["rc"] == 0:
        for item in listed["stdout"].split():
            for body in loop_body(line):
                argv = [item if word == f"${variable}" else word for word in body.argv]
                results.append(_run_command(Command(argv, body.env), env))
    return {"aws": True, "loop": True, "commands": results}


def serve() -> None:
    import awscli  # noqa: F401  (first: importing it sets AWS_DATA_PATH, which each run's environment then keeps)

    with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as config:
        config.write(
            f"[profile {STAND_IN}]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        )
    os.environ["AWS_CONFIG_FILE"] = config.name
    for request_line in sys.stdin:
        request = json.loads(request_line)
        if request["op"] == "check":
            answer = _check(request["line"])
        else:
            answer = _run(request["line"], request["env"])
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    serve()
