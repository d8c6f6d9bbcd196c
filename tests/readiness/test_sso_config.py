"""``auditor sso-config``: every file it writes is one botocore reads whole, whatever the inventory's names hold.

The judge is botocore's own loader, what ``aws configure list-profiles`` prints: for every generated file,
``botocore.session.Session(profile=None).available_profiles`` with ``AWS_CONFIG_FILE`` pointing at it equals the
profiles the tool says it wrote, and ``botocore.configloader.raw_config_parse`` does not raise (two sections of
one name make it refuse the whole file, every profile with it).

The organization (factories; the stage reads the inventory only): management (MGMT), dev (DEV), prod (PROD) and
sandbox (SANDBOX); ``alice`` (group Admins: AdministratorAccess in MGMT and PROD), ``bob@example.com``
(AdministratorAccess in DEV, directly), ``carol`` (group Readers: ReadOnly in DEV, PROD, SANDBOX), ``erin``
(nothing).
"""

from __future__ import annotations

import os
import random
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import botocore.configloader
import botocore.session
import pytest
from aws_cli import AwsCli
from conftest import REPO
from factories import (
    DEV,
    MGMT,
    PROD,
    assignment,
    aws_policy,
    idc_group,
    idc_user,
    make_identity_center,
    make_inventory,
    permission_set,
    read_account,
)

from auditor.cli import main
from auditor.errors import InputError
from auditor.inventory import GroupMembership, IdentityCenter, Inventory, PermissionSet
from auditor.readiness.sso_config import SsoConfig, build_sso_config, merge_config

SANDBOX = "555555555555"
ADMIN = permission_set("AdministratorAccess", managed=[aws_policy("AdministratorAccess")])
READ_ONLY = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
# three names AWS accepts that read alike once made a profile name; ARNs in this order: plus, equals, comma
PLUS = permission_set("Admin+Ops", suffix="a-plus")
EQUALS = permission_set("Admin=Ops", suffix="b-equals")
COMMA = permission_set("Admin,Ops", suffix="c-comma")


def identity_center(**overrides: object) -> IdentityCenter:
    fields: dict[str, object] = {
        "permission_sets": [ADMIN, READ_ONLY],
        "users": [
            idc_user("u-alice", "alice", "alice@example.com"),
            idc_user("u-bob", "bob@example.com", "bob@example.com"),
            idc_user("u-carol", "carol", "carol@example.com"),
            idc_user("u-erin", "erin", "erin@example.com"),
        ],
        "groups": [idc_group("g-admins", "Admins"), idc_group("g-readers", "Readers")],
        "memberships": [
            GroupMembership(group_id="g-admins", user_id="u-alice"),
            GroupMembership(group_id="g-readers", user_id="u-carol"),
        ],
        "assignments": [
            assignment(MGMT, ADMIN, "g-admins"),
            assignment(DEV, READ_ONLY, "g-readers"),
            assignment(DEV, ADMIN, "u-bob", "USER"),
            assignment(PROD, ADMIN, "g-admins"),
            assignment(PROD, READ_ONLY, "g-readers"),
            assignment(SANDBOX, READ_ONLY, "g-readers"),
        ],
    }
    fields.update(overrides)
    return make_identity_center(**fields)  # type: ignore[arg-type]


NAMES = {MGMT: "management", DEV: "dev", PROD: "prod", SANDBOX: "sandbox"}


def organization(idc: IdentityCenter | None = None, names: dict[str, str] | None = None) -> Inventory:
    accounts = [read_account(account_id, name) for account_id, name in (names or NAMES).items()]
    return make_inventory(accounts=accounts, identity_center=idc or identity_center())


def hostile(*sets: PermissionSet, account_names: dict[str, str] | None = None) -> Inventory:
    """dev holds ``sets``, assigned to carol's group."""
    idc = identity_center(
        permission_sets=[ADMIN, READ_ONLY, *sets],
        assignments=[assignment(DEV, ps, "g-readers") for ps in sets],
    )
    return organization(idc, names=account_names)


def botocore_profiles(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """What botocore reads from ``path``: ``profile NAME`` and ``sso-session NAME`` sections, checking on the way
    that the raw parser accepts the file and that the session lists the same profiles."""
    botocore.configloader.raw_config_parse(str(path))  # raises ConfigParseError on a duplicate section
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    session = botocore.session.Session(profile=None)
    config = session.full_config
    assert sorted(session.available_profiles) == sorted(config["profiles"])
    return {
        **{f"sso-session {k}": v for k, v in config["sso_sessions"].items()},
        **{f"profile {k}": v for k, v in config["profiles"].items()},
    }


def read_back(config: SsoConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """The file written, read by botocore: it lists exactly the profiles the tool says it wrote."""
    path = tmp_path / "config"
    path.write_text(config.text(), encoding="utf-8")
    parsed = botocore_profiles(path, monkeypatch)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    assert sorted(botocore.session.Session(profile=None).available_profiles) == sorted(p.name for p in config.profiles)
    return parsed


# ------------------------------------------------------------------------------------------ what is written


def test_one_user_resolves_in_botocore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = build_sso_config(organization(), user="ALICE")
    assert config.warnings == []
    assert read_back(config, tmp_path, monkeypatch) == {
        "sso-session identity-center": {
            "sso_start_url": "https://d-1234567890.awsapps.com/start",
            "sso_region": "eu-west-1",
            "sso_registration_scopes": "sso:account:access",
        },
        "profile management-AdministratorAccess": {
            "sso_session": "identity-center",
            "sso_account_id": MGMT,
            "sso_role_name": "AdministratorAccess",
            "region": "eu-west-1",
        },
        "profile prod-AdministratorAccess": {
            "sso_session": "identity-center",
            "sso_account_id": PROD,
            "sso_role_name": "AdministratorAccess",
            "region": "eu-west-1",
        },
    }


def test_a_group_and_everyone_with_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = build_sso_config(
        organization(),
        group="readers",
        start_url="https://acme.awsapps.com/start",
        session="acme",
        region="us-west-2",
        template="<account-id>-<permission-set>",
    )
    parsed = read_back(config, tmp_path, monkeypatch)
    assert parsed.pop("sso-session acme")["sso_start_url"] == "https://acme.awsapps.com/start"
    assert {name: (p["sso_account_id"], p["sso_role_name"], p["region"]) for name, p in parsed.items()} == {
        f"profile {DEV}-ReadOnly": (DEV, "ReadOnly", "us-west-2"),
        f"profile {PROD}-ReadOnly": (PROD, "ReadOnly", "us-west-2"),
        f"profile {SANDBOX}-ReadOnly": (SANDBOX, "ReadOnly", "us-west-2"),
    }
    everyone = read_back(build_sso_config(organization()), tmp_path, monkeypatch)
    assert len(everyone) - 1 == 6  # account x permission set pairs assigned to anybody


def test_permission_sets_that_read_alike_get_unique_names_in_the_order_of_their_arns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Admin+Ops``, ``Admin=Ops`` and ``Admin,Ops`` all slug to ``Admin-Ops``: two identical sections would make
    botocore refuse every profile of the file."""
    config = build_sso_config(hostile(COMMA, PLUS, EQUALS), group="Readers")
    parsed = read_back(config, tmp_path, monkeypatch)
    assert {name: p["sso_role_name"] for name, p in parsed.items() if name.startswith("profile")} == {
        "profile dev-Admin-Ops": "Admin+Ops",
        "profile dev-Admin-Ops-2": "Admin=Ops",
        "profile dev-Admin-Ops-3": "Admin,Ops",
    }
    # the name is the instance's, not the run's: a user who reaches only Admin=Ops gets the same name for it
    only_equals = identity_center(
        permission_sets=[PLUS, EQUALS, COMMA],
        assignments=[assignment(DEV, ps, "g-readers") for ps in (PLUS, COMMA)]
        + [assignment(DEV, EQUALS, "u-erin", "USER")],
    )
    assert [p.name for p in build_sso_config(organization(only_equals), user="erin").profiles] == ["dev-Admin-Ops-2"]


def test_accounts_of_one_name_are_told_apart_by_their_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = build_sso_config(organization(names={**NAMES, PROD: "dev"}), group="Readers")
    assert sorted(read_back(config, tmp_path, monkeypatch)) == [
        f"profile dev-{PROD}-ReadOnly",  # the account label: the first by id keeps the bare name
        "profile dev-ReadOnly",
        "profile sandbox-ReadOnly",
        "sso-session identity-center",
    ]


NEWLINE = permission_set("Admin\ncredential_process = /tmp/evil", suffix="newline")
BRACKET = permission_set("Ops]\n[profile evil", suffix="bracket")
UNICODE = permission_set("Développeurs", suffix="unicode")
LONG = permission_set("A" * 200, suffix="long")
SPACE = permission_set(" Admin", suffix="space")


def test_a_value_aws_would_not_accept_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A permission set's name is the role name, written as it is: one outside AWS's pattern ([\\w+=,.@-]{1,32})
    could add a line of its choosing. Its profile is skipped, with one warning line naming it; the others stay."""
    config = build_sso_config(hostile(NEWLINE, BRACKET, UNICODE, LONG, SPACE, PLUS), group="Readers")
    text = config.text()
    assert "credential_process" not in text and "evil" not in text and "Développeurs" not in text
    assert sorted(read_back(config, tmp_path, monkeypatch)) == ["profile dev-Admin-Ops", "sso-session identity-center"]
    assert len(config.warnings) == 5
    assert all("\n" not in line and "skipped: sso_role_name" in line for line in config.warnings)
    assert any(line.startswith("profile 'dev-Admin-credential_process-tmp-evil' skipped") for line in config.warnings)
    assert any("'Admin\\ncredential_process = /tmp/evil'" in line for line in config.warnings)  # escaped, not a line


def test_hostile_account_names_become_readable_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An account name is only ever part of a profile name, which is a slug: ``]``, newline, ``#`` and spaces
    become ``-``, accents are dropped; one longer than 128 characters (AWS allows 50) is skipped."""
    names = {MGMT: "management", DEV: "Dév ]\n[profile x] #1", PROD: "p" * 200, SANDBOX: ";sandbox "}
    config = build_sso_config(organization(names=names), group="Readers")
    assert sorted(read_back(config, tmp_path, monkeypatch)) == [
        "profile Dev-profile-x-1-ReadOnly",
        "profile sandbox-ReadOnly",
        "sso-session identity-center",
    ]
    assert config.warnings == [f"profile '{'p' * 58}… skipped: the name is longer than 128 characters"]


def test_what_the_inventory_does_not_know_is_skipped_or_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A permission set missing from the inventory has no known name (its ARN's tail is not the role name); an
    account whose assignments could not be read may hold profiles: both are said, never passed over."""
    missing = permission_set("Missing", suffix="missing")
    idc = identity_center(
        assignments=[assignment(DEV, READ_ONLY, "g-readers"), assignment(PROD, missing, "g-readers")],
        assignments_unreadable_accounts=[SANDBOX],
    )
    config = build_sso_config(organization(idc), user="carol")
    assert [p.name for p in config.profiles] == ["dev-ReadOnly"]
    assert config.warnings == [
        f"the assignments of account(s) {SANDBOX} could not be read: profiles there may be missing",
        f"profile 'prod-ps-missing' skipped: permission set {missing.arn} is not in the inventory: its name (the "
        "role) is unknown",
    ]
    read_back(config, tmp_path, monkeypatch)


HOSTILE_CHARACTERS = "aZ09+=,.@-_ ]\n[#;\"'\\\r\t\x1b\u202eé𝔘~%=:"


def test_any_names_give_a_file_botocore_reads_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzzed, with a fixed seed (the same cases on every run): 40 permission sets and 6 accounts named from
    characters that matter to INI, shlex and terminals, all assigned to one group. Whatever is written, botocore
    lists exactly the profiles the tool says it wrote, and every profile not written has its warning line."""
    rng = random.Random(18)

    def name(longest: int) -> str:
        return "".join(rng.choice(HOSTILE_CHARACTERS) for _ in range(rng.randint(1, longest)))

    sets = [permission_set(name(40), suffix=f"fuzz{n}") for n in range(40)]
    accounts = {f"{n:012d}": name(60) for n in range(1, 7)}
    idc = identity_center(
        permission_sets=sets,
        assignments=[assignment(account, ps, "g-readers") for account in accounts for ps in sets],
    )
    config = build_sso_config(organization(idc, names=accounts), group="Readers")
    assert len(config.profiles) + len(config.warnings) == len(accounts) * len(sets)
    assert all("\n" not in line and "\r" not in line and "\x1b" not in line for line in config.warnings)
    assert len(config.profiles) >= 10  # the fuzz writes some, not only skips
    read_back(config, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": "nobody"}, "no Identity Center user named 'nobody' (4 users in the inventory; names are matched"),
        ({"user": "alcie"}, "no Identity Center user named 'alcie' (did you mean 'alice'?)"),
        ({"user": "bob"}, "no Identity Center user named 'bob' (did you mean 'bob@example.com'?)"),
        ({"group": "admin"}, "no Identity Center group named 'admin' (did you mean 'Admins'?)"),
        ({"group": "nobody"}, "no Identity Center group named 'nobody' (2 groups in the inventory"),
        (
            {"user": "erin"},
            "Identity Center gives user 'erin' no account among the 4 account(s) whose assignments were read "
            "(111111111111, 222222222222, 333333333333, 555555555555): nothing to configure; other accounts were not "
            "read (--org reads the organization's)",
        ),
        ({"template": "<account>-<permission-set>"}, "--profile-template: unknown placeholder <account>"),
        ({"template": "<account-name>"}, "--profile-template must name <permission-set>"),
        ({"start_url": "http://x.awsapps.com/start"}, "--start-url 'http://x.awsapps.com/start': expected https://"),
        ({"start_url": "https://x.example/\n[profile a]"}, "--start-url 'https://x.example/\\n[profile a]': expected"),
        ({"region": "eu-west-1\nx = y"}, "--profile-region 'eu-west-1\\nx = y': expected a region name"),
    ],
)
def test_refuses_what_would_be_useless(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        build_sso_config(organization(), **kwargs)  # type: ignore[arg-type]


def test_no_account_names_the_accounts_read() -> None:
    """``sso-config --group Developers`` from the management account alone read that account's assignments only
    (the README's line lacked ``--org``): "no account" says among which accounts, never more than it knows. An
    inventory written before the accounts listed were recorded listed every account: the short message."""
    only_management = identity_center(
        assignments_listed_accounts=[MGMT], assignments=[assignment(MGMT, ADMIN, "g-admins")]
    )
    message = f"no account among the 1 account(s) whose assignments were read ({MGMT}): nothing to configure"
    with pytest.raises(InputError, match=re.escape(message)):
        build_sso_config(organization(only_management), group="Readers")
    legacy = identity_center(assignments=[]).model_copy(update={"assignments_listed_accounts": None})
    with pytest.raises(
        InputError, match=re.escape("Identity Center gives group 'Readers' no account: nothing to configure")
    ):
        build_sso_config(organization(legacy), group="Readers")


def test_a_session_value_from_the_inventory_that_aws_would_not_accept_ends_the_run() -> None:
    """No profile works without its session: a hostile identity-store id or home region is exit 2, one line."""
    idc = identity_center()
    with pytest.raises(InputError, match=re.escape("sso_start_url 'https://d-1\\n[x].awsapps.com/start' is not")):
        build_sso_config(organization(idc.model_copy(update={"identity_store_id": "d-1\n[x]"})))
    with pytest.raises(InputError, match=re.escape("sso_region 'eu-west-1]' is not a region name")):
        build_sso_config(organization(idc.model_copy(update={"home_region": "eu-west-1]"})))


# ------------------------------------------------------------------------------------------------- --merge

MINE = (
    "# my own config\r\n"
    "[default]\r\n"
    "region = eu-central-1\r\n"
    "\r\n"
    "[profile prod-ReadOnly]\r\n"  # a name the tool would make: the person's own section wins
    "region = eu-west-3\r\n"
    "[sso-session other]\r\n"
    "sso_start_url = https://other.awsapps.com/start\r\n"
    "sso_region = us-east-1"  # no newline at the end
)


def test_merge_adds_a_block_and_leaves_the_rest_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    merged = merge_config(MINE, build_sso_config(organization(), group="Readers"))
    assert merged.text.startswith(MINE + "\n\n# BEGIN auditor sso-config identity-center\n")
    assert merged.text.endswith("# END auditor sso-config identity-center\n")
    assert merged.profiles == ["dev-ReadOnly", "sandbox-ReadOnly"]
    assert merged.warnings == ["profile 'prod-ReadOnly' skipped: the file defines it outside the tool's block"]
    path = tmp_path / "config"
    path.write_bytes(merged.text.encode())
    parsed = botocore_profiles(path, monkeypatch)
    assert sorted(parsed) == [
        "profile default",
        "profile dev-ReadOnly",
        "profile prod-ReadOnly",
        "profile sandbox-ReadOnly",
        "sso-session identity-center",
        "sso-session other",
    ]
    assert parsed["profile prod-ReadOnly"] == {"region": "eu-west-3"}
    # idempotent: the same run again changes nothing
    again = merge_config(merged.text, build_sso_config(organization(), group="Readers"))
    assert again.text == merged.text


def test_merge_updates_in_place_and_keeps_what_other_runs_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = "[profile mine]\nregion = us-east-1\n"
    after = "\n# after the block\n[profile later]\nregion = eu-west-1\n"
    readers = merge_config(before, build_sso_config(organization(), group="Readers"))
    text = readers.text + after  # the person added a section after the block
    # another run (another principal, another profile region): updated in place, alice's profiles added
    alice = merge_config(text, build_sso_config(organization(), user="alice", region="us-west-2"))
    assert alice.text.startswith(before + "\n# BEGIN auditor sso-config identity-center\n")
    assert alice.text.endswith("# END auditor sso-config identity-center\n" + after)
    assert alice.profiles == [
        "dev-ReadOnly",
        "prod-ReadOnly",
        "sandbox-ReadOnly",
        "management-AdministratorAccess",
        "prod-AdministratorAccess",
    ]
    path = tmp_path / "config"
    path.write_text(alice.text)
    parsed = botocore_profiles(path, monkeypatch)
    assert sorted(parsed) == sorted(
        ["profile mine", "profile later", "sso-session identity-center", *(f"profile {p}" for p in alice.profiles)]
    )
    assert parsed["profile prod-AdministratorAccess"]["region"] == "us-west-2"
    assert parsed["profile dev-ReadOnly"]["region"] == "eu-west-1"  # kept as the earlier run wrote it
    # readers again with a new region: their profiles change where they are, alice's stay
    again = merge_config(alice.text, build_sso_config(organization(), group="Readers", region="ap-south-1"))
    assert again.profiles == alice.profiles
    assert again.text.count("region = ap-south-1") == 3 and again.text.count("region = us-west-2") == 2


def test_merge_drops_a_section_edited_into_the_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = merge_config("", build_sso_config(organization(), user="carol")).text
    edited = first.replace("sso_role_name = ReadOnly\nregion = eu-west-1\n\n[profile prod", "x = 1\n\n[profile prod")
    edited = edited.replace("# END", "[profile hand]\ncredential_process = /tmp/evil\n\n# END")
    merged = merge_config(edited, build_sso_config(organization(), user="alice"))
    assert "credential_process" not in merged.text
    assert merged.warnings == [
        "section 'profile dev-ReadOnly' in the tool's block dropped: not as the tool writes it",
        "section 'profile hand' in the tool's block dropped: not as the tool writes it",
    ]
    path = tmp_path / "config"
    path.write_text(merged.text)
    assert sorted(botocore_profiles(path, monkeypatch)) == sorted(
        ["sso-session identity-center", *(f"profile {p}" for p in merged.profiles)]
    )


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ("# END auditor sso-config identity-center\n# BEGIN auditor sso-config identity-center\n", "in that order"),
        ("# BEGIN auditor sso-config identity-center\n", "must come once each"),
        ("[sso-session identity-center]\nsso_region = eu-west-1\n", "[sso-session identity-center] is already defined"),
    ],
)
def test_merge_refuses_a_file_it_cannot_merge_safely(existing: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        merge_config(existing, build_sso_config(organization(), user="carol"))


# ------------------------------------------------------------------------------------------------ the CLI


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    organization().save(path)
    return path


def test_command_prints_and_never_overwrites(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sso-config", "--from-inventory", str(inventory_file), "--user", "carol"]) == 0
    assert "[profile dev-ReadOnly]" in capsys.readouterr().out
    target = tmp_path / "config"
    target.write_text("# mine\n")
    assert main(["sso-config", "--from-inventory", str(inventory_file), "--all", "-o", str(target)]) == 2
    assert "exists: pass --force to replace it, --merge it" in capsys.readouterr().err
    assert target.read_text() == "# mine\n"
    assert main(["sso-config", "--from-inventory", str(inventory_file), "--all", "-o", str(target), "--force"]) == 0
    assert target.read_text().startswith("[sso-session identity-center]")
    with pytest.raises(SystemExit) as usage:  # --user, --group or --all: argparse's usage error
        main(["sso-config", "--from-inventory", str(inventory_file)])
    assert usage.value.code == 2


def test_command_skips_with_one_warning_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = tmp_path / "inventory.json"
    hostile(NEWLINE, PLUS, EQUALS, COMMA).save(inventory)
    target = tmp_path / "config"
    assert main(["sso-config", "--from-inventory", str(inventory), "--group", "Readers", "-o", str(target)]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"wrote {target}: 3 profile(s): dev-Admin-Ops, dev-Admin-Ops-2, dev-Admin-Ops-3")
    assert err[1:] == [
        "auditor: warning: profile 'dev-Admin-credential_process-tmp-evil' skipped: sso_role_name "
        "'Admin\\ncredential_process = /tmp/evil' is not a permission set name ([\\w+=,.@-]{1,32})"
    ]
    written = err[0].split(": ", 2)[2].split(", ")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(target))
    botocore.configloader.raw_config_parse(str(target))
    assert sorted(botocore.session.Session(profile=None).available_profiles) == sorted(written)


def test_command_merge_mode_and_file_modes(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "aws" / "config"
    args = ["sso-config", "--from-inventory", str(inventory_file), "--user", "alice", "--merge"]
    assert main([*args, str(new)]) == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o600  # a new ~/.aws/config is its owner's only
    assert f"wrote {new}: 2 profile(s): management-AdministratorAccess, prod-AdministratorAccess" in (
        capsys.readouterr().err
    )
    existing = tmp_path / "existing"
    existing.write_text("[profile prod-AdministratorAccess]\nregion = us-east-1\n")
    existing.chmod(0o640)
    assert main([*args, str(existing)]) == 3  # one profile skipped: the file's own section wins
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    err = capsys.readouterr().err
    assert "merged into" in err and "skipped: the file defines it outside the tool's block" in err
    link = tmp_path / "link"
    link.symlink_to(existing)
    assert main([*args, str(link)]) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert link.is_symlink()
    bad = tmp_path / "bad"
    bad.write_text("# BEGIN auditor sso-config identity-center\n")
    assert main([*args, str(bad)]) == 2
    assert bad.read_text() == "# BEGIN auditor sso-config identity-center\n"
    with pytest.raises(SystemExit):  # -o and --merge: one or the other
        main([*args, str(new), "-o", str(tmp_path / "o")])


def test_command_names_the_closest_user_and_exits_2(inventory_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sso-config", "--from-inventory", str(inventory_file), "--user", "alcie"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "auditor: error: no Identity Center user named 'alcie' (did you mean 'alice'?)\n"


def test_help_documents_the_exit_codes_and_the_markers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sso-config", "--help"])
    out = capsys.readouterr().out
    assert "3  written, but something was skipped" in out
    assert "# BEGIN auditor sso-config <session>" in out
    assert "--demo" in out


@pytest.mark.slow  # builds the demo organization in moto
def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sso-config", "--demo", "--user", "alice@acme.example"]) == 0
    out = capsys.readouterr().out
    assert "[profile acme-management-AdministratorAccess]\nsso_session = identity-center\n" in out


# ------------------------------------------------------------------------------- docs/migration.md, step 3


def doc_blocks() -> list[list[str]]:
    """The sh blocks of docs/migration.md that run ``auditor sso-config``, each as its lines."""
    text = (REPO / "docs" / "migration.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [[line.strip() for line in b.strip().splitlines()] for b in blocks if "auditor sso-config" in b]


def run_in_fresh_home(lines: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """The ``auditor`` lines, as written, through bash (``~`` is ``home``), with no AWS_* variable set."""
    script = 'auditor() { "$PYTHON" -m auditor "$@"; }\nset -e\n' + "\n".join(lines) + "\n"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(HOME=str(home), PYTHON=sys.executable, PYTHONPATH=str(REPO))
    return subprocess.run(
        ["bash", "-c", script], cwd=home, env=environment, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow  # builds the demo organization in moto twice, runs the CLI in subprocesses
def test_the_migration_guide_sign_in_blocks_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 3's blocks run in a fresh HOME: the first with the demo's inventory as ``inventory.json``, the second
    (``--demo``) as it is. The ``auditor`` lines run as written (through bash, so ``~`` is the temporary HOME).
    ``aws sso login`` opens a browser and ``aws sts`` needs that sign-in, so neither can run offline: the AWS
    CLI's parser checks them (tests/aws_cli.py), and the names they use (the session, each ``--profile``) are
    checked against what botocore reads from ``~/.aws/config``; ``aws configure list-profiles`` (AWS CLI v2,
    which the tests do not have) against botocore's profile list, which is what it prints."""
    from auditor.demo.scan import demo_inventory

    (with_inventory, demo) = doc_blocks()
    assert any("--from-inventory inventory.json" in line for line in with_inventory)
    assert demo == ["auditor sso-config --demo --user alice@acme.example --merge ~/.aws/config"]
    written: list[list[str]] = []
    for n, lines in enumerate((with_inventory, demo)):
        home = tmp_path / f"home{n}"
        home.mkdir()
        if n == 0:
            demo_inventory().save(home / "inventory.json")
        auditor_lines = [line for line in lines if line.startswith("auditor ")]
        assert len(auditor_lines) + sum(line.startswith("aws ") for line in lines) == len(lines)
        finished = run_in_fresh_home(auditor_lines, home)
        assert finished.returncode == 0, finished.stderr
        config = home / ".aws" / "config"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        said = re.search(r"profile\(s\): (.*) in the tool's block", finished.stderr)
        assert said is not None, finished.stderr
        profiles = sorted(said.group(1).split(", "))
        parsed = botocore_profiles(config, monkeypatch)
        assert sorted(name.removeprefix("profile ") for name in parsed if name.startswith("profile ")) == profiles
        written.append(profiles)
    assert written[0] == written[1] and len(written[0]) == 3
    aws = AwsCli()
    try:
        for line in with_inventory:
            if not line.startswith("aws "):
                continue
            code, _, comment = line.partition("#")
            argv = shlex.split(code)
            if argv[1:3] == ["configure", "list-profiles"]:
                assert comment.split("profiles:")[-1].split() == written[0], line
                continue
            checked = aws.check(code.strip())
            assert all(c["ok"] for c in checked["commands"]), (line, checked)
            if "--profile" in argv:
                assert argv[argv.index("--profile") + 1] in written[0], line
            if "--sso-session" in argv:
                assert f"sso-session {argv[argv.index('--sso-session') + 1]}" in parsed, line
    finally:
        aws.close()
