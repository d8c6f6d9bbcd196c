"""``auditor completion bash|zsh``: a shell completion script, generated from the argparse parser itself.

Generated rather than written by hand (or taken from a completion library) so that it cannot drift from the
command line: a command, an option or a choice added to a command module is completed the next time the script
is generated, and the project takes no new dependency. The script only lists words (commands, options, the
choices argparse knows); where an option takes a free value it leaves the shell's file completion in place.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from auditor.commands import values
from auditor.commands.options import Commands, exit_codes
from auditor.errors import ExitCode

SHELLS = ("bash", "zsh")


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for bash or zsh, generated from this version's commands and "
        'options. bash: eval "$(auditor completion bash)" in ~/.bashrc; zsh: auditor completion zsh > '
        '"${fpath[1]}/_auditor", then a new shell (compinit must be enabled).',
        epilog=exit_codes((0, "printed"), (2, "usage")),
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.cli import build_parser  # at run time: cli imports this module to register the command

    tree = command_tree(build_parser())
    sys.stdout.write(bash_script(tree) if args.shell == "bash" else zsh_script(tree))
    return ExitCode.OK


# ------------------------------------------------------------------------------------- what is completed


@dataclass(frozen=True)
class Option:
    """One option as completion needs it: its spellings, whether it takes a value, the values argparse knows."""

    names: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...]
    is_path: bool  # a file or directory (``type=Path``): zsh completes file names, other values it leaves free


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    positional_choices: tuple[str, ...]  # e.g. ``schema findings|inventory``
    positional_paths: bool  # e.g. ``diff OLD.json NEW.json``


@dataclass(frozen=True)
class CommandTree:
    options: tuple[Option, ...]  # before the command
    commands: tuple[Command, ...]


def command_tree(parser: argparse.ArgumentParser) -> CommandTree:
    """The parser's commands and options. argparse has no public way to list a parser's actions or
    subcommands; ``_actions`` and ``_choices_actions`` are the attributes its own help formatter reads."""
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    helps = {choice.dest: _help(choice) for action in subparsers for choice in action._choices_actions}
    commands = []
    for action in subparsers:
        for name, subparser in action.choices.items():
            options, positional, paths = _options(subparser)
            commands.append(Command(name, helps.get(name, ""), options, positional, paths))
    options, _, _ = _options(parser)
    return CommandTree(options=options, commands=tuple(commands))


def _options(parser: argparse.ArgumentParser) -> tuple[tuple[Option, ...], tuple[str, ...], bool]:
    options: list[Option] = []
    positional: list[str] = []
    paths = False
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        choices = tuple(str(choice) for choice in action.choices) if action.choices else _typed_values(action)
        is_path = action.type is Path
        if not action.option_strings:
            positional.extend(choices)
            paths = paths or is_path
            continue
        options.append(Option(tuple(action.option_strings), _help(action), action.nargs != 0, choices, is_path))
    return tuple(options), tuple(positional), paths


def _typed_values(action: argparse.Action) -> tuple[str, ...]:
    """Values an option's type accepts where argparse has no ``choices`` (``--fail-on``'s severities)."""
    if action.type is values.severity:
        from auditor.findings import Severity

        return tuple(str(level.value) for level in Severity)
    return ()


def _help(action: argparse.Action) -> str:
    """The help's first sentence, ``%(default)s`` and the like filled in as argparse fills them."""
    text = str(action.help or "")
    try:
        text = text % {**vars(action), "default": action.default, "choices": ", ".join(map(str, action.choices or ()))}
    except (KeyError, TypeError, ValueError):
        pass
    return re.split(r"(?<=[.;:])\s|\s\(", " ".join(text.split()), maxsplit=1)[0].rstrip(".;:")


# ----------------------------------------------------------------------------------------------- bash


def bash_script(tree: CommandTree) -> str:
    """A ``complete -F`` function: the word before the cursor picks the values (choices), else the command
    found on the line picks the options; ``-o default`` leaves file names to bash where no word fits."""
    names = " ".join(command.name for command in tree.commands)
    lines = [
        "# bash completion for auditor, generated by `auditor completion bash`; regenerate after an upgrade.",
        "_auditor() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in',
        f'            {"|".join(command.name for command in tree.commands)}) command="${{COMP_WORDS[i]}}"; break ;;',
        "        esac",
        "    done",
        '    local words=""',
        '    case "$command:$prev" in',
    ]
    for command_name, options in [("", tree.options), *((c.name, c.options) for c in tree.commands)]:
        for option in options:
            if option.choices:
                patterns = "|".join(f"{command_name}:{name}" for name in option.names)
                lines.append(f"        {patterns}) words={shlex.quote(' '.join(option.choices))} ;;")
            elif option.takes_value:
                patterns = "|".join(f"{command_name}:{name}" for name in option.names)
                lines.append(f"        {patterns}) return 0 ;;  # a free value: the shell's default completion")
    lines += ["        *)", '            case "$command" in']
    top = " ".join(name for option in tree.options for name in option.names)
    lines.append(f'                "") words={shlex.quote(f"{top} {names}")} ;;')
    for command in tree.commands:
        words = " ".join([*command.positional_choices, *(name for option in command.options for name in option.names)])
        lines.append(f"                {command.name}) words={shlex.quote(words)} ;;")
    lines += [
        "            esac ;;",
        "    esac",
        '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "}",
        "complete -o default -F _auditor auditor",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ zsh


def zsh_script(tree: CommandTree) -> str:
    """A ``#compdef`` function with ``_arguments``: the commands described, each command's options with their
    help and choices; a path completes file names (``_files``), another free value only shows its name."""
    lines = [
        "#compdef auditor",
        "# zsh completion for auditor, generated by `auditor completion zsh`; regenerate after an upgrade.",
        "_auditor() {",
        "    local context state state_descr line",
        "    typeset -A opt_args",
        "    local -a commands",
        "    commands=(",
        *(f"        {_zsh_quote(command.name + ':' + _zsh_text(command.help))}" for command in tree.commands),
        "    )",
        "    _arguments -C \\",
        *(f"        {spec} \\" for option in tree.options for spec in _zsh_specs(option)),
        "        '1: :->command' \\",
        "        '*:: :->args'",
        "    case $state in",
        "        command) _describe -t commands 'auditor command' commands ;;",
        "        args)",
        "            case $words[1] in",
    ]
    for command in tree.commands:
        specs = [spec for option in command.options for spec in _zsh_specs(option)]
        if command.positional_choices:
            specs.append(_zsh_quote(f"1:{command.name}:({' '.join(command.positional_choices)})"))
        if command.positional_paths:
            specs.append(_zsh_quote("*:file:_files"))
        lines.append(f"                {command.name}) _arguments {' '.join(specs)} ;;")
    lines += ["            esac ;;", "    esac", "}", '_auditor "$@"', ""]
    return "\n".join(lines)


def _zsh_specs(option: Option) -> list[str]:
    """One ``_arguments`` spec per spelling (``--x[help]:value:action``); spellings of one option exclude
    each other."""
    value = ""
    if option.choices:
        value = f":{option.names[-1].lstrip('-')}:({' '.join(option.choices)})"
    elif option.is_path:
        value = f":{option.names[-1].lstrip('-')}:_files"
    elif option.takes_value:
        value = f":{option.names[-1].lstrip('-')}: "  # a free value: described, nothing offered
    exclusive = f"({' '.join(option.names)})" if len(option.names) > 1 else ""
    return [_zsh_quote(f"{exclusive}{name}[{_zsh_text(option.help)}]{value}") for name in option.names]


def _zsh_text(text: str) -> str:
    """A description zsh's spec syntax cannot misread: no brackets or colons."""
    return text.replace("[", "(").replace("]", ")").replace(":", " -").replace("\\", "/")


def _zsh_quote(text: str) -> str:
    return shlex.quote(text)
