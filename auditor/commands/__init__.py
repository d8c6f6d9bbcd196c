"""The commands of the command line: one module per command, and the pieces they share.

Each command module has ``add_parser(commands)``, which adds its subparser, and ``run(args)``, which wires the
stages and returns the exit code. ``auditor.cli`` builds the parser from every command for every invocation,
so a command module imports at its top only what its parser needs (argparse, the stages' light defaults), and
``run`` imports its stage when it runs: ``auditor --help`` never loads boto3, and ``auditor diff`` never loads
moto. ``tests/commands/test_help_imports.py`` holds every ``--help`` to that.

Shared:

* ``options`` - the argument groups several commands take, and the value types behind them;
* ``formats`` - ``--format``: the built-in and installed report formats, the reporters a run builds;
* ``sources`` - the sources a run reads, assembled into one inventory, and "no account was read";
* ``evaluation`` - rules, configuration and baseline read before collection; evaluate and report;
* ``console`` - what a run says on stderr: progress, warnings, coverage gaps.

Like ``auditor.cli``, this package only wires: what a command does with the stages' results (a plan written,
a file created) is moved here as-is, and new logic goes into a stage.
"""
