"""The fill engine: fields filled and quoted once, list facts repeated or dropped, conditional lines, composition."""

from __future__ import annotations

from auditor.remediation.template import FixTemplate, Line, compose, one_line


def test_list_facts_repeat_or_drop_lines_and_values_are_quoted() -> None:
    template = FixTemplate(
        console=("Users > {user_name}",),
        cli=(
            "aws iam detach-user-policy --user-name {user_name} --policy-arn {policy_arn}",
            "aws iam delete-user-policy --user-name {user_name} --policy-name {inline}",
            "aws iam add-user-to-group --group-name <group> --user-name {user_name}",
        ),
        terraform='resource "aws_iam_user" "this" {\n  name = "{user_name}"\n}\n',
    )
    fix = template.fill({"user_name": 'x"; rm -rf / ${a}\n```', "policy_arn": ["p1", "p2"], "inline": []})
    assert fix.cli[0] == "aws iam detach-user-policy --user-name 'x\"; rm -rf / ${a} ```' --policy-arn p1"
    assert fix.cli[1].endswith("--policy-arn p2")
    assert len(fix.cli) == 3 and "delete-user-policy" not in " ".join(fix.cli)  # empty list: line dropped
    assert fix.terraform == 'resource "aws_iam_user" "this" {\n  name = "x\\"; rm -rf / $${a} ```"\n}'
    assert "\n" not in fix.console[0]
    blank = template.placeholders()
    assert blank.cli[0] == "aws iam detach-user-policy --user-name <user_name> --policy-arn <policy_arn>"


def test_a_value_already_on_one_line_is_used_as_it_is() -> None:
    """``one_line`` returns a clean value itself (no copy per fix) and is otherwise ``" ".join(text.split())``."""
    clean = "arn:aws:iam::111122223333:user/alice smith"
    assert one_line(clean) is clean
    for text in ["a\nb", " lead", "trail ", "two  spaces", "tab\there", "nbsp\u00a0x", "ls\u2028x", "\x1cfs", "", 42]:
        assert one_line(text) == " ".join(str(text).split())


def test_a_conditional_line_is_written_only_when_its_fact_holds() -> None:
    template = FixTemplate(
        cli=(
            Line("delete-login-profile {user_name}", when="password_enabled", unless_false=True),
            Line("delete-user-permissions-boundary {user_name}", when="permissions_boundary_arn"),
            "delete-user {user_name}",
        )
    )
    assert template.fill({"user_name": "a", "password_enabled": False}).cli == ["delete-user a"]
    # unknown password: the step stays (DeleteUser would refuse if a password were there and not removed)
    assert template.fill({"user_name": "a"}).cli == ["delete-login-profile a", "delete-user a"]
    assert template.fill({"user_name": "a", "password_enabled": True, "permissions_boundary_arn": "arn:b"}).cli == [
        "delete-login-profile a",
        "delete-user-permissions-boundary a",
        "delete-user a",
    ]
    # the rule-level view shows every line, whatever the facts
    assert template.placeholders().cli == [
        "delete-login-profile <user_name>",
        "delete-user-permissions-boundary <user_name>",
        "delete-user <user_name>",
    ]
    # each filled line still says which template line it came from: the HTML report sends only the values
    values = template.fill({"user_name": "a", "password_enabled": False}).template_values()
    assert values is not None and values[1] == ((2, "a"),)


def test_compose_keeps_the_order_and_the_fix_own_console() -> None:
    first = FixTemplate(console=("one",), cli=("a {x}",), terraform="t1")
    second = FixTemplate(console=("two",), cli=("b {x}",))
    assert compose(first, second).fill({"x": 1}).cli == ["a 1", "b 1"]
    assert compose(first, second).fill({}).console == ["one", "two"]
    assert compose(first, second, console=("own {x}",)).fill({"x": 2}).console == ["own 2"]
    assert compose(first, second, derive=lambda facts: {"x": "derived"}).fill({}).cli == ["a derived", "b derived"]
    assert compose(first, second).terraform == "t1"


def test_a_line_filled_alike_twice_is_one_string_when_the_fills_share_their_lines() -> None:
    first, second = (
        FixTemplate(cli=("aws iam delete-user --user-name {user_name}",)),
        FixTemplate(console=("x",), cli=("aws iam delete-user --user-name {user_name}",)),
    )
    shared: dict[str, str] = {}
    a = first.fill({"user_name": "alice"}, shared).cli[0]
    b = second.fill({"user_name": "alice"}, shared).cli[0]
    assert a == b == "aws iam delete-user --user-name alice" and a is b
    assert first.fill({"user_name": "alice"}).cli[0] is not a  # without the shared lines: a copy each time
