"""``scan-code --since``: the lines a change adds, read from git the way git writes them.

Each case is a temporary git repository built by the test, with the shape a real pull request takes: file names
git quotes, a file marked ``-diff``, a symbolic link replaced by a file, line separators other than ``\\n``,
a branch behind its base (merge base against tip), ``A...B`` and ``A..B``, renames with and without a new key.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import fake_key_id
from git_repos import git

from auditor.cli import main
from auditor.codescan.keys import find_keys
from auditor.codescan.source import CodeSource

KEY = fake_key_id("J7QRT2XW5KZL3MPV")
OTHER_KEY = fake_key_id("H6WNC4YQ2TGJ5RLX")
OLD_KEY = fake_key_id("P3VKM7ZD4XQW6NTB")


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def commit(root: Path, message: str, files: dict[str, str | bytes] | None = None) -> None:
    write(root, files or {})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "base", {"README.md": "a repository\n"})
    return root


def hits(root: Path, since: str | None) -> list[tuple[str, int, str]]:
    scan = CodeSource(root, since=since).collect().code_scan
    assert scan is not None
    return sorted((h.path, h.line, h.key_id) for h in scan.hits)


# -------------------------------------------------------------------------------- names git quotes


@pytest.mark.parametrize(
    "name", ["with space.py", 'say "hi".py', "tab\there.py", "dir with space/key.py", "caf\u00e9 \x01 back\\slash.py"]
)
def test_a_file_name_git_quotes_is_read(repo: Path, name: str) -> None:
    """git quotes such names on the ``+++`` line (and appends a tab after one with a space); ``-z`` does not."""
    commit(repo, "add", {name: f"first line\nKEY = '{KEY}'\n"})
    assert hits(repo, "HEAD~1") == [(name, 2, KEY)]


def test_a_file_name_git_quotes_is_read_when_modified_in_the_work_tree(repo: Path) -> None:
    commit(repo, "add", {"with space.py": "first line\n"})
    write(repo, {"with space.py": f"first line\nKEY = '{KEY}'\n"})
    assert hits(repo, "HEAD") == [("with space.py", 2, KEY)]


def test_an_added_line_that_starts_with_two_plus_signs_is_not_a_file_header(repo: Path) -> None:
    """In the patch it reads ``+++ ...``, like the header that names a file; the file's next hunk is its own."""
    lines = "".join(f"line {n}\n" for n in range(6))
    commit(repo, "notes", {"notes.txt": lines})
    commit(repo, "add", {"notes.txt": f"++ {OTHER_KEY}\n" + lines + f"{KEY}\n"})
    assert hits(repo, "HEAD~1") == [("notes.txt", 1, OTHER_KEY), ("notes.txt", 8, KEY)]


def test_the_user_s_diff_prefix_settings_do_not_change_the_names(repo: Path) -> None:
    git(repo, "config", "diff.mnemonicPrefix", "true")
    git(repo, "config", "diff.interHunkContext", "5")
    commit(repo, "add", {"app.py": "".join(f"line {n}\n" for n in range(10))})
    commit(
        repo, "key", {"app.py": "line 0\nline 1\n" + f"K = '{KEY}'\n" + "".join(f"line {n}\n" for n in range(2, 10))}
    )
    write(repo, {"app.py": (repo / "app.py").read_text() + f"O = '{OTHER_KEY}'\n"})
    assert hits(repo, "HEAD~1") == [("app.py", 3, KEY), ("app.py", 12, OTHER_KEY)]


# ----------------------------------------------------------------------------- what git hides


def test_a_file_marked_minus_diff_is_read_as_text(repo: Path) -> None:
    """``-diff`` (or ``binary``) in .gitattributes: git prints "Binary files differ" unless told ``--text``."""
    commit(repo, "attributes", {".gitattributes": "*.dat -diff\n*.cfg binary\n", "old.dat": "one\ntwo\n"})
    commit(repo, "keys", {"old.dat": f"one\ntwo\n{KEY}\n", "new.cfg": f"id={OTHER_KEY}\n"})
    assert hits(repo, "HEAD~1") == [("new.cfg", 1, OTHER_KEY), ("old.dat", 3, KEY)]


def test_a_symbolic_link_replaced_by_a_file_is_read(repo: Path) -> None:
    """A type change (``T``): git shows it as the link deleted and a new file added."""
    (repo / "target.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "settings.py").symlink_to("target.py")
    commit(repo, "a link")
    (repo / "settings.py").unlink()
    commit(repo, "a file", {"settings.py": f"x = 1\nKEY = '{KEY}'\n"})
    assert hits(repo, "HEAD~1") == [("settings.py", 2, KEY)]


# ------------------------------------------------------------------------- lines as git counts them

SEPARATORS = ["\u2028", "\u2029", "\f", "\v", "\x85", "\r", "\x1c", "\x1d", "\x1e"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_only_newline_ends_a_line(repo: Path, separator: str) -> None:
    """git counts lines by ``\\n`` alone; ``str.splitlines`` also splits at these, which shifted every line after."""
    before = f"a{separator}b\nc\n"
    commit(repo, "text", {"doc.txt": before})
    commit(repo, "key", {"doc.txt": before + f"{KEY}\n"})
    assert hits(repo, "HEAD~1") == [("doc.txt", 3, KEY)]
    assert hits(repo, None) == [("doc.txt", 3, KEY)]  # a full scan numbers lines the same way


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_find_keys_numbers_lines_as_git_does(separator: str) -> None:
    data = f"a{separator}b\nc\n  {KEY}\r\n".encode()
    assert [(m.line, m.column) for m in find_keys(data)] == [(3, 3)]


# --------------------------------------------------------------------------------- which base


@pytest.fixture
def branched(repo: Path) -> Path:
    """main: a key removed after the branch point; the branch: a new file with a key, and an edit in README."""
    commit(repo, "a key", {"keys.py": f"x = 1\nOLD = '{OLD_KEY}'\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, "feature", {"new.py": f"NEW = '{KEY}'\n"})
    git(repo, "checkout", "-q", "main")
    commit(repo, "remove the old key", {"keys.py": "x = 1\n"})
    git(repo, "checkout", "-q", "feature")
    return repo


def test_since_a_branch_means_since_the_merge_base(branched: Path) -> None:
    """``--since main`` on a branch: what the branch added, not what main removed since the branch point."""
    assert hits(branched, "main") == [("new.py", 1, KEY)]


def test_three_dots_mean_the_merge_base_and_the_right_side(branched: Path) -> None:
    assert hits(branched, "main...HEAD") == [("new.py", 1, KEY)]
    assert hits(branched, "main...") == [("new.py", 1, KEY)]
    write(branched, {"dirty.py": f"D = '{OTHER_KEY}'\n"})  # A...B compares commits: the work tree is not read
    git(branched, "checkout", "-q", "main")
    assert hits(branched, "main...feature") == [("new.py", 1, KEY)]  # read from the commit, not the work tree


def test_two_dots_mean_from_the_left_tip_to_the_right(branched: Path) -> None:
    """``A..B`` is git's tip-to-tip diff: the key main removed shows as added by the branch."""
    assert hits(branched, "main..feature") == [("keys.py", 2, OLD_KEY), ("new.py", 1, KEY)]


def test_a_range_of_unknown_refs_is_one_error_line(branched: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = branched.parent / "out"
    assert main(["scan-code", str(branched), "--since", "main...nope", "--output-dir", str(out)]) == 2
    assert "--since main...nope: nope is not a commit" in capsys.readouterr().err


def test_since_a_ref_with_no_common_history_is_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "checkout", "-q", "--orphan", "other")
    commit(repo, "unrelated", {"x.txt": "x\n"})
    assert main(["scan-code", str(repo), "--since", "main", "--output-dir", str(repo.parent / "o")]) == 2
    assert "no common ancestor" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ renames


def test_a_pure_rename_adds_no_key(repo: Path) -> None:
    commit(repo, "a key", {"old/keys.py": f"x = 1\nOLD = '{OLD_KEY}'\n"})
    git(repo, "mv", "old", "new")
    assert hits(repo, "HEAD") == []  # staged in the work tree
    git(repo, "commit", "-q", "-m", "move")
    assert hits(repo, "HEAD~1") == []


def test_a_renamed_file_reports_only_its_added_line(repo: Path) -> None:
    lines = "".join(f"line {n}\n" for n in range(8))
    commit(repo, "a key", {"old/keys.py": f"OLD = '{OLD_KEY}'\n" + lines})
    git(repo, "mv", "old", "new")
    commit(repo, "move and add", {"new/keys.py": f"OLD = '{OLD_KEY}'\nNEW = '{KEY}'\n" + lines})
    assert hits(repo, "HEAD~1") == [("new/keys.py", 2, KEY)]


def test_a_file_moved_into_the_scanned_directory_is_a_rename(repo: Path) -> None:
    """``mv`` then ``git add -A``, the scan given the destination directory: git sees the rename only when its
    diff covers both sides (a ``--relative`` or pathspec diff of ``src`` saw a new file holding an old key)."""
    commit(repo, "keys", {"old/keys.py": f"x = 1\nOLD = '{OLD_KEY}'\n", "src/app.py": "app = 1\n"})
    (repo / "old" / "keys.py").rename(repo / "src" / "keys.py")
    git(repo, "add", "-A")
    assert hits(repo / "src", "HEAD") == []
    write(repo, {"src/keys.py": f"x = 1\nOLD = '{OLD_KEY}'\nNEW = '{KEY}'\n"})
    assert hits(repo / "src", "HEAD") == [("src/keys.py", 3, KEY)]
    git(repo, "commit", "-q", "-am", "move")
    assert hits(repo / "src", "HEAD~1") == [("src/keys.py", 3, KEY)]
    assert hits(repo / "src", "HEAD~1..HEAD") == [("src/keys.py", 3, KEY)]


def test_untracked_files_are_new_in_the_work_tree_only(repo: Path) -> None:
    write(repo, {"fresh.py": f"F = '{KEY}'\n"})
    assert hits(repo, "HEAD") == [("fresh.py", 1, KEY)]
    assert hits(repo, "HEAD..HEAD") == []  # a commit range does not read the work tree


def test_a_large_blob_in_a_commit_range_is_skipped_and_listed(repo: Path) -> None:
    commit(repo, "big", {"big.txt": "x" * 2000 + f"\n{KEY}\n"})
    scan = CodeSource(repo, since="HEAD~1..HEAD", max_file_bytes=1000).collect().code_scan
    assert scan is not None and scan.skipped_large == ["big.txt"] and scan.hits == []


def test_a_link_added_in_a_commit_range_is_not_followed(repo: Path) -> None:
    os.symlink("README.md", repo / "link.md")
    commit(repo, "link")
    assert hits(repo, "HEAD~1..HEAD") == []
