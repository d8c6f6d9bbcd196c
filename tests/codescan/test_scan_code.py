"""``auditor scan-code`` (the ``code`` source, SECRET-001) on hand-made source trees: file, line, column and
severity checked; .gitignore, binaries, large files and symbolic links; ``--since``; no secret in any report."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from factories import fake_key_id
from git_repos import git
from sarif_checks import check_sarif

from auditor.cli import main
from auditor.codescan.keys import find_keys, might_hold_a_key
from auditor.codescan.source import CodeSource

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzz1"  # 40 characters, base64-looking: never reported
assert len(SECRET) == 40
KEY_WITH_SECRET = fake_key_id("QWERTYUIOPASDFG5")
LONE_KEY = fake_key_id("QWERTYUIOPASDFG3", prefix="ASIA")
SPLIT_KEY = fake_key_id("QWERTYUIOPASDFG2")
IGNORED_KEY = fake_key_id("QWERTYUIOPASDFG4")
BINARY_KEY = fake_key_id("QWERTYUIOPASDFG6")
DOC_KEY = "AKIAIOSFODNN7EXAMPLE"

FILES = {
    "app/settings.py": f'import os\nKEY = "{KEY_WITH_SECRET}"\nSECRET = "{SECRET}"\n',
    "app/split.js": f'// built at runtime\nconst id = "{SPLIT_KEY[:10]}" + "{SPLIT_KEY[10:]}";\n',
    "config/ci.json": f'{{\n  "name": "ci",\n  "credentials": {{"id": "{LONE_KEY}"}}\n}}\n',
    "docs/example.md": f"Use a key like `{DOC_KEY}`.\n",
    "README.md": "A git sha is not a secret: 0123456789abcdef0123456789abcdef01234567 " + "\n",
    ".env": f"AWS_ACCESS_KEY_ID={IGNORED_KEY}\n",
    ".gitignore": ".env\nbuild/\n",
    "build/out.txt": f"{IGNORED_KEY}\n",
}


def make_tree(root: Path, files: dict[str, str] = FILES) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "app" / "blob.bin").write_bytes(b"\0\x01" + BINARY_KEY.encode() + b"\0")
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    root = make_tree(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def findings_of(out: Path) -> list[tuple[str, int, int | None, str, str]]:
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return sorted(
        (f["location"]["path"], f["location"]["line"], f["location"]["column"], f["evidence"]["key_id"], f["severity"])
        for f in document["findings"]
    )


def assert_no_secret_in(out: Path) -> None:
    for path in out.iterdir():
        assert SECRET not in path.read_text(encoding="utf-8"), path.name


EXPECTED = [
    ("app/blob.bin", 1, 3, BINARY_KEY, "high"),  # a binary is read as bytes
    ("app/settings.py", 2, 8, KEY_WITH_SECRET, "critical"),
    ("app/split.js", 2, 13, SPLIT_KEY, "high"),
    ("config/ci.json", 3, 26, LONE_KEY, "high"),
    ("docs/example.md", 1, 17, DOC_KEY, "info"),
]


def test_a_git_tree_reports_file_line_column_and_severity(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["scan-code", str(repo), "--format", "json,sarif,html", "--output-dir", str(out), "--fail-on", "high"])
    assert code == 1
    assert findings_of(out) == EXPECTED  # .env and build/ are git-ignored
    assert_no_secret_in(out)
    sarif = json.loads((out / "findings.sarif").read_text(encoding="utf-8"))
    check_sarif(sarif)
    run = sarif["runs"][0]
    assert run["automationDetails"]["id"] == "aws-identity-auditor-code/default/"
    located = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run["results"]
    )
    assert located == [(p, "%SRCROOT%", line, column) for p, line, column, _k, _s in EXPECTED]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SECRET-001"]  # no cloud rule in the report


def test_an_untracked_file_git_would_track_is_scanned(repo: Path, tmp_path: Path) -> None:
    (repo / "new.py").write_text(f"x = '{LONE_KEY}'\n", encoding="utf-8")
    inventory = CodeSource(repo).collect()
    assert inventory.code_scan is not None
    assert ("new.py", 1, 6) in {(h.path, h.line, h.column) for h in inventory.code_scan.hits}
    assert IGNORED_KEY not in {h.key_id for h in inventory.code_scan.hits}
    assert inventory.code_scan.binary_files == 1 and inventory.code_scan.skipped_binary == 0


def test_outside_git_the_walk_honours_gitignore_and_skips_links(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "plain")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{IGNORED_KEY}\n", encoding="utf-8")
    (root / "link-to-outside").symlink_to(outside, target_is_directory=True)
    (root / "linked.txt").symlink_to(outside / "secret.txt")
    (root / "nested").mkdir()
    (root / "nested" / ".gitignore").write_text("*.log\n!keep.log\n", encoding="utf-8")
    (root / "nested" / "drop.log").write_text(f"{IGNORED_KEY}\n", encoding="utf-8")
    (root / "nested" / "keep.log").write_text(f"{LONE_KEY}\n", encoding="utf-8")
    inventory = CodeSource(root).collect()
    scan = inventory.code_scan
    assert scan is not None and not scan.git
    assert sorted((h.path, h.line, h.column, h.key_id) for h in scan.hits) == sorted(
        [(p, line, column, key) for p, line, column, key, _s in EXPECTED] + [("nested/keep.log", 1, 1, LONE_KEY)]
    )


def test_files_over_an_explicit_max_file_size_are_skipped_as_coverage_gaps(repo: Path) -> None:
    (repo / "big.txt").write_text("x" * 2000 + f"\n{LONE_KEY}\n", encoding="utf-8")
    inventory = CodeSource(repo, max_file_bytes=1000).collect()
    scan = inventory.code_scan
    assert scan is not None and scan.skipped_large == ["big.txt"]
    assert "big.txt" not in {h.path for h in scan.hits}
    assert [(e.service, e.operation, e.error_code) for e in inventory.errors] == [
        ("code", "read big.txt", "FileTooLarge")
    ]
    assert "over --max-file-size 1000" in inventory.errors[0].message


def test_since_reports_only_added_lines(repo: Path, tmp_path: Path) -> None:
    settings = repo / "app" / "settings.py"
    settings.write_text(settings.read_text() + f'OTHER = "{LONE_KEY}"\n', encoding="utf-8")
    (repo / "fresh.txt").write_text(f"one\n{SPLIT_KEY}\n", encoding="utf-8")  # untracked, not ignored: all new
    git(repo, "add", "app/settings.py")
    git(repo, "commit", "-q", "-m", "second")
    (repo / "docs" / "example.md").write_text("rewritten without a key\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        [
            "scan-code",
            str(repo),
            "--since",
            "HEAD~1",
            "--format",
            "json",
            "--output-dir",
            str(out),
            "--fail-on",
            "critical",
        ]
    )
    assert findings_of(out) == [
        ("app/settings.py", 4, 10, LONE_KEY, "critical"),  # the secret on line 3 (unchanged) is near it
        ("fresh.txt", 2, 1, SPLIT_KEY, "high"),
    ]
    assert code == 1
    assert_no_secret_in(out)


def test_since_needs_a_known_ref(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan-code", str(repo), "--since", "no-such-ref", "--output-dir", str(tmp_path / "o")]) == 2
    assert "--since no-such-ref" in capsys.readouterr().err


def test_scan_code_gate_baseline_and_suppressions(repo: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert main(["scan-code", str(repo), "--format", "json", "--output-dir", str(first)]) == 0  # no --fail-on
    (repo / "more.py").write_text(f'K = "{SPLIT_KEY}"\n', encoding="utf-8")
    second = tmp_path / "second"
    args = ["scan-code", str(repo), "--format", "json", "--fail-on", "high", "--baseline", str(first / "findings.json")]
    assert main([*args, "--output-dir", str(second)]) == 1  # the new key in more.py
    config = tmp_path / "auditor.toml"
    config.write_text(
        '[[suppressions]]\nrule = "SECRET-001"\nresource = "more.py"\nreason = "test fixture, key revoked"\n',
        encoding="utf-8",
    )
    third = tmp_path / "third"
    assert main([*args, "--config", str(config), "--output-dir", str(third)]) == 0
    document = json.loads((third / "findings.json").read_text(encoding="utf-8"))
    assert document["summary"]["unchanged"] == len(EXPECTED) and document["summary"]["suppressed"] == 1


def test_not_a_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan-code", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f'{{"k":"{fake_key_id("QWERTYUIOPASDFG5")}"}}', [(7, fake_key_id("QWERTYUIOPASDFG5"))]),
        # split literals built at run time, so this file holds none for a scanner to find
        (f"k = '{KEY_WITH_SECRET[:8]}' '{KEY_WITH_SECRET[8:]}'", [(6, KEY_WITH_SECRET)]),  # implicit concatenation
        (f'$k = "{KEY_WITH_SECRET[:12]}" . "{KEY_WITH_SECRET[12:]}";', [(7, KEY_WITH_SECRET)]),
        (f"x = '{KEY_WITH_SECRET[:4]}' || '{KEY_WITH_SECRET[4:]}'", [(6, KEY_WITH_SECRET)]),
        (f"x = '{KEY_WITH_SECRET[:2]}' || '{KEY_WITH_SECRET[2:]}'", [(6, KEY_WITH_SECRET)]),  # the prefix split
        (f'x = "{KEY_WITH_SECRET[:1]}" + "{KEY_WITH_SECRET[1:]}"', [(6, KEY_WITH_SECRET)]),
        (f'x = ("{KEY_WITH_SECRET[:3]}"\n     "{KEY_WITH_SECRET[3:]}")', [(7, KEY_WITH_SECRET)]),
        ('x = "DATA" + "IS" + "AKIAN"', []),  # a seam after an A, and no key id once closed
        (f"X{fake_key_id('QWERTYUIOPASDFG5')}", []),  # part of a longer upper-case word
        (f"{fake_key_id('QWERTYUIOPASDFG5')}X", []),
        ("lower aKIAQWERTYUIOPASDFG5", []),
    ],
)
def test_key_shapes(line: str, expected: list[tuple[int, str]]) -> None:
    assert [(m.column, m.key_id) for m in find_keys(line.encode())] == expected


def test_hex_digests_are_not_secrets_but_base64_values_are() -> None:
    hex_near = f"{fake_key_id('QWERTYUIOPASDFG5')}\n{'0123456789abcdef' * 2}01234567\n".encode()
    assert [m.secret_nearby for m in find_keys(hex_near)] == [False]
    far = (f"{fake_key_id('QWERTYUIOPASDFG5')}\n" + "\n" * 5 + SECRET + "\n").encode()  # 6 lines below
    assert [m.secret_nearby for m in find_keys(far)] == [False]
    near = (f"{fake_key_id('QWERTYUIOPASDFG5')}\n" + "\n" * 4 + SECRET + "\n").encode()  # 5 lines below
    assert [m.secret_nearby for m in find_keys(near)] == [True]


def test_a_subdirectory_reports_paths_from_the_checkout_root(repo: Path) -> None:
    """SARIF's %SRCROOT% is the checkout: a key in app/ scanned as `scan-code app` is still app/settings.py."""
    scan = CodeSource(repo / "app").collect().code_scan
    assert scan is not None
    assert sorted((h.path, h.line) for h in scan.hits) == [
        ("app/blob.bin", 1),
        ("app/settings.py", 2),
        ("app/split.js", 2),
    ]


def test_the_runs_own_reports_directory_is_not_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's "Keys outside AWS" block in one directory: `auditor scan` wrote auditor-report/ (its findings name
    key ids), then `auditor scan-code . --fail-on high` read that report as source and failed the gate on it. The
    directory the run writes its reports to is the tool's output, not source: not read, and said so. A file in
    it named explicitly (a pre-commit hook's list) is still read."""
    reports = repo / "auditor-report"
    reports.mkdir()
    (reports / "findings.json").write_text(f'{{"key_id": "{LONE_KEY}"}}\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    base = ["scan-code", ".", "--format", "json", "--fail-on", "high"]
    # the tree's own keys fail the gate as before; since HEAD nothing was added but the (untracked) report
    for argv, expected in ((base, 1), ([*base, "--since", "HEAD"], 0)):
        assert main(argv) == expected
        said = capsys.readouterr().err
        assert "but not the reports directory auditor-report/" in said
        assert LONE_KEY not in {f[3] for f in findings_of(reports) if f[0].startswith("auditor-report/")}
    (reports / "findings.json").write_text(f'{{"key_id": "{LONE_KEY}"}}\n', encoding="utf-8")  # as at first
    inventory = CodeSource(repo, reports_dir=reports).collect()
    assert inventory.code_scan is not None
    assert not [h for h in inventory.code_scan.hits if h.path.startswith("auditor-report/")]
    named = CodeSource(repo, reports_dir=reports, only=["auditor-report/findings.json"]).collect()
    assert named.code_scan is not None and [h.key_id for h in named.code_scan.hits] == [LONE_KEY]
    elsewhere = CodeSource(repo, reports_dir=repo.parent / "out").collect()  # outside the tree: nothing changes
    assert elsewhere.code_scan is not None
    assert [h.path for h in elsewhere.code_scan.hits if h.path.startswith("auditor-report/")] == [
        "auditor-report/findings.json"
    ]


@pytest.mark.parametrize("wrap", ["pem", "yaml"])
def test_base64_wrapped_over_lines_is_joined_wherever_the_breaks_fall(wrap: str) -> None:
    """A credentials file base64-encoded and wrapped (at 64 like PEM, or indented under a YAML ``>-``), with 0 to
    47 bytes before it: every alignment, and every place a line break can cut the encoded prefix (the file-level
    search has to see the prefix across the break too). Reported once, where the value starts, critical."""
    key_id = fake_key_id("J7QRT2XW5KZL3MPV")
    for pad in range(48):
        encoded = base64.b64encode(
            ("#" * pad + f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {SECRET}\n").encode()
        ).decode()
        if wrap == "pem":
            lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
            text, first = "-----BEGIN DATA-----\n" + "\n".join(lines) + "\n-----END DATA-----\n", (2, 1)
        else:
            lines = [f"    {encoded[i : i + 60]}\n" for i in range(0, len(encoded), 60)]
            text, first = "data:\n  creds: >-\n" + "".join(lines) + "other: 1\n", (3, 5)
        data = text.encode()
        assert might_hold_a_key(data), pad
        found = [(m.line, m.column, m.key_id, m.secret_nearby, m.encoding) for m in find_keys(data)]
        assert found == [(*first, key_id, True, "base64")], pad


def test_a_key_deep_in_a_long_wrapped_value_is_found() -> None:
    """Wrapped values are looked for within 64 lines of an encoded prefix: a key id 150 lines into a long block
    is still found and rated (reported inside the block, where the search began, not at the block's first line)."""
    key_id = fake_key_id("J7QRT2XW5KZL3MPV")
    payload = bytes(range(256)) * 36 + f"\naws_access_key_id = {key_id}\naws_secret_access_key = {SECRET}\n".encode()
    encoded = base64.b64encode(payload).decode()
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    found = list(find_keys(("-----BEGIN DATA-----\n" + "\n".join(lines) + "\n-----END DATA-----\n").encode()))
    assert [(m.key_id, m.secret_nearby, m.encoding) for m in found] == [(key_id, True, "base64")]
    assert 2 <= found[0].line <= len(lines) + 1
