"""``auditor completion bash|zsh``: the scripts list every command of the parser, and the bash script, sourced in
a real bash, completes commands, options and choices (driven as bash's ``complete -F`` would: ``COMP_WORDS``
and ``COMP_CWORD`` set, the function called, ``COMPREPLY`` read). zsh, when installed, checks
the zsh script's syntax and that ``compinit`` registers it for ``auditor``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.cli import build_parser, main


def subcommands() -> list[str]:
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def test_the_bash_script_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    text = script("bash", capsys)
    names = subcommands()
    assert {"scan", "demo", "readiness", "completion"} <= set(names)
    (case_line,) = [line for line in text.splitlines() if 'command="${COMP_WORDS[i]}"' in line]
    assert case_line.strip().split(")")[0].split("|") == names
    (top_words,) = [line for line in text.splitlines() if line.strip().startswith('"") words=')]
    assert all(f" {name}" in top_words for name in names)
    assert text.rstrip().endswith("complete -o default -F _auditor auditor")


def test_the_zsh_script_describes_every_subcommand(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = script("zsh", capsys)
    assert text.startswith("#compdef auditor\n")
    for name in subcommands():
        assert f"'{name}:" in text, name  # described in the command list
        assert f"\n                {name}) _arguments " in text, name  # its own options
    assert "'--fail-on[" in text and "(critical high medium low info)" in text
    assert "'--output-dir[where report files go]:output-dir:_files'" in text  # a path: file names
    assert "'--role-name[role to assume in member accounts with --org]:role-name: '" in text  # a free value
    assert "diff) _arguments " in text and "'*:file:_files' ;;" in text  # diff OLD.json NEW.json
    zsh = shutil.which("zsh")
    if zsh:  # as the documented install does it: the file in a directory of $fpath, then compinit
        (tmp_path / "_auditor").write_text(text, encoding="utf-8")
        checked = subprocess.run([zsh, "-n", str(tmp_path / "_auditor")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        program = f"fpath=({tmp_path} $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[auditor]"
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        registered = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, env=env)
        assert (registered.stdout, registered.stderr) == ("_auditor\n", "")


def complete(script_path: Path, *words: str) -> list[str]:
    """What bash offers for the line ``auditor WORDS...`` (the last word the one being completed)."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed: the script is only checked as text")
    line = " ".join(f"'{word}'" for word in ("auditor", *words))
    program = (
        f"set -e; source '{script_path}'; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
        '_auditor; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run([bash, "--norc", "--noprofile", "-c", program], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [word for word in done.stdout.splitlines() if word]


def test_the_bash_script_sources_and_completes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "auditor.bash"
    path.write_text(script("bash", capsys), encoding="utf-8")

    assert complete(path, "") == ["-h", "--help", "--version", "--debug", *subcommands()]
    assert complete(path, "sc") == ["scan", "scan-code", "schema"]
    assert complete(path, "scan", "--fail") == ["--fail-on"]
    assert complete(path, "demo", "--fail-on", "") == ["critical", "high", "medium", "low", "info"]
    assert complete(path, "schema", "") == ["findings", "inventory", "-h", "--help", "--debug"]
    assert complete(path, "completion", "") == ["bash", "zsh", "-h", "--help", "--debug"]
    assert complete(path, "scan", "--output-dir", "") == []  # a free value: bash's file names (-o default)
