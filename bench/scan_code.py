"""Benchmark of ``auditor scan-code`` on a large tree, against ``git grep``, gitleaks and detect-secrets.

    python bench/scan_code.py                                    # 10,000 files / 200 MB in a temporary directory
    python bench/scan_code.py --files 2000 --mb 40 --repeat 5
    python bench/scan_code.py --detect-secrets /tmp/ds-venv/bin/detect-secrets   # also detect-secrets (AWS plugin)
    python bench/scan_code.py --gitleaks /tmp/peers/bin/gitleaks   # also gitleaks (default rules), run once
    python bench/scan_code.py --compare /tmp/main-checkout   # the scan alone, this checkout and another, interleaved

The tree is a git repository of ``--files`` text files (``--mb`` in all, sizes spread around the mean) made of
code-like lines, with keys planted where the answer is known:

* ``secret``   - an AKIA key id with a 40-character secret two lines below (SECRET-001 critical)
* ``lone``     - an AKIA key id alone (high)
* ``split``    - an AKIA key id split by ``" + "`` on one line (high)
* ``json``     - an AKIA key id inside a JSON string (high)
* ``temporary``- an ASIA key id (high)
* ``example``  - AWS's documentation example key id (info)
* ``ignored``  - an AKIA key id in a git-ignored file (must not be reported)

Each tool runs ``--repeat`` times on a warm page cache (the first, cold run is discarded); the table gives the
best wall time and which planted keys each found, by (file, line). ``git grep -E 'AKIA[0-9A-Z]{16}'`` is the I/O
floor (C, multi-threaded, no interpretation). ``auditor scan-code`` is run as a user runs it (a new Python
process, JSON report written) and, to separate the interpreter's start, in-process (the found keys in that row
are the CLI run's). ``--compare DIR`` adds the same in-process scan from another checkout (the code before a
change), each round running both one after the other, so that a busy machine's load falls on both alike.
detect-secrets (installed in a venv of its own: ``pip install detect-secrets``)
is given the same git tree (``detect-secrets scan`` in the repository) with only its AWSKeyDetector plugin, and
with ``--detect-secrets-defaults`` with all its default plugins too. gitleaks (``--gitleaks``: the binary that
``bench/key_corpus.py --peers-venv DIR`` installs in ``DIR/bin``) runs once, with its default rules, on the
directory (``gitleaks dir``). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("secret", "lone", "split", "json", "temporary", "example", "ignored")
WORDS = "def return value self config client account user role policy items result data name list".split()


@dataclass
class Tree:
    root: Path
    files: int
    size: int
    planted: dict[str, set[tuple[str, int]]] = field(default_factory=dict)  # kind -> {(path, line)}


def _key(random_: random.Random, prefix: str = "AKIA") -> str:
    return prefix + "".join(random_.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _secret(random_: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
    while True:
        value = "".join(random_.choice(alphabet) for _ in range(40))
        if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def _line(random_: random.Random) -> str:
    words = random_.choices(WORDS, k=random_.randint(3, 10))
    return "    " + " = ".join(["_".join(words[:2]), f'"{" ".join(words[2:])}"']) + "\n"


def build_tree(root: Path, files: int, megabytes: int, seed: int = 7) -> Tree:
    random_ = random.Random(seed)
    tree = Tree(root=root, files=files, size=0, planted={kind: set() for kind in KINDS})
    mean = megabytes * 1024 * 1024 // files
    block = "".join(_line(random_) for _ in range(2000))
    plant_every = max(1, files // 40)
    for index in range(files):
        name = f"pkg{index % 50:02d}/mod{index // 50:03d}/file{index:05d}.py"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        target = max(200, int(random_.gauss(mean, mean / 3)))
        lines: list[str] = []
        while sum(len(line) for line in lines) < target:
            start = random_.randrange(0, len(block) - 4000)
            lines.extend(block[start : start + 4000].splitlines(keepends=True)[1:-1])
        if index % plant_every == 0:
            kind = KINDS[(index // plant_every) % (len(KINDS) - 1)]  # "ignored" is planted apart
            at = random_.randrange(1, max(2, len(lines) - 5))
            key = _key(random_, "ASIA" if kind == "temporary" else "AKIA")
            if kind == "secret":
                planted = [f'    access_key_id = "{key}"\n', "    # the pair\n", f'    secret = "{_secret(random_)}"\n']
            elif kind == "split":
                planted = [f'    key_id = "{key[:9]}" + "{key[9:]}"\n']
            elif kind == "json":
                planted = [f'    payload = \'{{"AccessKeyId": "{key}", "Region": "eu-west-1"}}\'\n']
            elif kind == "example":
                planted = ['    example = "AKIAIOSFODNN7EXAMPLE"  # from the AWS documentation\n']
            else:
                planted = [f"    KEY = '{key}'\n"]
            lines[at:at] = planted
            tree.planted[kind].add((name, at + 1))
        text = "".join(lines)
        path.write_text(text, encoding="utf-8")
        tree.size += len(text)
    (root / ".gitignore").write_text("secrets.env\n", encoding="utf-8")
    (root / "secrets.env").write_text(f"AWS_ACCESS_KEY_ID={_key(random_)}\n", encoding="utf-8")
    tree.planted["ignored"].add(("secrets.env", 1))
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@e"}  # fmt: skip
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "tree"]):
        subprocess.run(["git", "-C", str(root), *command], check=True, env=env)
    return tree


def timed(command: list[str], cwd: Path, repeat: int, *, warm_up: bool = True) -> tuple[float, str]:
    if warm_up:
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)  # cold run, discarded
    best, output = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - started)
        output = done.stdout
    return best, output


def in_process(root: Path, repeat: int) -> float:
    """The scan alone, without the interpreter's start and imports (about half a second) or the report."""
    sys.path.insert(0, str(ROOT))
    from auditor.codescan.source import CodeSource

    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        CodeSource(root).collect()
        best = min(best, time.perf_counter() - started)
    return best


_SCAN_ALONE = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from auditor.codescan.source import CodeSource
started = time.perf_counter()
CodeSource(Path(sys.argv[2])).collect()
print(time.perf_counter() - started)
"""


def interleaved(checkouts: list[Path], root: Path, repeat: int) -> list[float]:
    """The best in-process scan time of each checkout's code, in fresh processes, the checkouts alternating."""
    best = [float("inf")] * len(checkouts)
    for _ in range(repeat + 1):
        for index, checkout in enumerate(checkouts):
            done = subprocess.run(
                [sys.executable, "-c", _SCAN_ALONE, str(checkout), str(root)],
                cwd=tempfile.gettempdir(),
                capture_output=True,
                text=True,
                check=True,
            )
            best[index] = min(best[index], float(done.stdout.split()[-1]))
    return best


def found_by_auditor(out: Path) -> set[tuple[str, int]]:
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {(f["location"]["path"], f["location"]["line"]) for f in document["findings"]}


def found_by_git_grep(output: str) -> set[tuple[str, int]]:
    hits = set()
    for line in output.splitlines():
        path, number, _ = line.split(":", 2)
        hits.add((path, int(number)))
    return hits


def found_by_gitleaks(report: Path, root: Path) -> set[tuple[str, int]]:
    results = json.loads(report.read_text(encoding="utf-8")) if report.exists() else []
    return {(Path(r["File"]).resolve().relative_to(root.resolve()).as_posix(), r["StartLine"]) for r in results}


def found_by_detect_secrets(output: str) -> set[tuple[str, int]]:
    results = json.loads(output)["results"]
    return {(path, s["line_number"]) for path, secrets in results.items() for s in secrets if "AWS" in s["type"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--detect-secrets", metavar="BINARY", help="a detect-secrets executable (its own venv)")
    parser.add_argument("--gitleaks", metavar="BINARY", help="a gitleaks executable (bench/key_corpus.py installs one)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the tree here and keep it")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT", help="also time another checkout's scan")
    parser.add_argument(
        "--detect-secrets-defaults",
        action="store_true",
        help="also run detect-secrets with all its default plugins (about 0.1 MB/s: use a small tree)",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="scan-code-bench-"))
    root = args.keep or workdir / "tree"
    try:
        started = time.perf_counter()
        tree = build_tree(root, args.files, args.mb)
        print(f"tree: {tree.files} files, {tree.size / 1e6:.0f} MB, built in {time.perf_counter() - started:.0f} s")
        planted = sum(len(v) for v in tree.planted.values())
        print(f"planted: {planted} keys ({', '.join(f'{k} {len(v)}' for k, v in tree.planted.items())})\n")

        out = workdir / "out"
        auditor = [
            sys.executable,
            "-m",
            "auditor",
            "scan-code",
            str(root),
            "--format",
            "json",
            "--output-dir",
            str(out),
        ]
        runs: list[tuple[str, float, set[tuple[str, int]] | None]] = []
        seconds, _ = timed(auditor, ROOT, args.repeat)
        runs.append(("auditor scan-code", seconds, found_by_auditor(out)))
        runs.append(("CodeSource.collect() in-process", in_process(root, args.repeat), found_by_auditor(out)))
        if args.compare:
            here, there = interleaved([ROOT, args.compare.resolve()], root, args.repeat)
            runs.append(("in-process, interleaved: this checkout", here, found_by_auditor(out)))
            runs.append((f"in-process, interleaved: {args.compare} (found: not checked)", there, None))
        seconds, output = timed(["git", "grep", "-n", "-E", "AKIA[0-9A-Z]{16}"], root, args.repeat)
        runs.append(("git grep -E 'AKIA[0-9A-Z]{16}'", seconds, found_by_git_grep(output)))
        seconds, output = timed(["git", "grep", "--threads=1", "-n", "-E", "AKIA[0-9A-Z]{16}"], root, args.repeat)
        runs.append(("git grep --threads=1", seconds, found_by_git_grep(output)))
        if args.gitleaks:
            report = workdir / "gitleaks.json"
            command = [args.gitleaks, "dir", str(root), "--no-banner", "--report-format", "json"]
            seconds, _ = timed([*command, "--report-path", str(report)], root, 1, warm_up=False)
            runs.append(("gitleaks dir (default rules)", seconds, found_by_gitleaks(report, root)))
        if args.detect_secrets:
            listed = subprocess.run([args.detect_secrets, "scan", "--list-all-plugins"], capture_output=True, text=True)
            others = [name for name in listed.stdout.split() if name != "AWSKeyDetector"]
            aws_only = [args.detect_secrets, "scan", *(f"--disable-plugin={name}" for name in others)]
            seconds, output = timed(aws_only, root, 1, warm_up=False)
            runs.append(("detect-secrets scan (AWSKeyDetector only)", seconds, found_by_detect_secrets(output)))
            if args.detect_secrets_defaults:
                seconds, output = timed([args.detect_secrets, "scan"], root, 1, warm_up=False)
                runs.append(("detect-secrets scan (default plugins)", seconds, found_by_detect_secrets(output)))

        header = "| tool | wall (s) | MB/s | " + " | ".join(KINDS) + " | other hits |"
        print(header)
        print("|" + "---|" * (header.count("|") - 1))
        for name, seconds, found in runs:
            if found is None:
                cells, other = ["-"] * len(KINDS), "-"
            else:
                cells = [f"{len(tree.planted[k] & found)}/{len(tree.planted[k])}" for k in KINDS]
                other = str(len(found - set().union(*tree.planted.values())))
            print(
                f"| {name} | {seconds:.2f} | {tree.size / 1e6 / seconds:.1f} | " + " | ".join(cells) + f" | {other} |"
            )
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
