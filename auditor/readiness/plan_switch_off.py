"""An IAM user switched off in the order that can be undone until the last moment, and the emergency way in kept.

Reversible first (each step with its rollback line): the access keys deactivated and ``AWSDenyAll`` attached, so
the user can do nothing yet nothing is gone; a dated watch; then the console password removed (a new one, reset
at first sign-in, brings it back); only then the irreversible deletes, with everything ``DeleteUser`` requires
gone first. Break-glass users stay, without keys; an account with no emergency way in gets a break-glass user
before anything is removed from it.
"""

from __future__ import annotations

import json

from auditor.inventory import IamUser
from auditor.readiness.models import IamUserReadiness
from auditor.readiness.plan_writer import StepWriter, cli
from auditor.remediation import actions
from auditor.remediation.facts import iam_user_facts

BREAK_GLASS_USER = "break-glass"


def switch_off(writer: StepWriter, iam_user: IamUser, track: str, person: str | None, note: str | None = None) -> None:
    """Reversible, watch, reversible after the watch, irreversible: each line guarded to the account."""
    facts = writer.facts(**iam_user_facts(iam_user))
    arn, name = iam_user.arn, iam_user.user_name
    first = len(writer.out)
    for key in iam_user.active_keys:
        key_facts = {**facts, "access_key_id": key.access_key_id}
        writer.add(
            track,
            "reversible",
            arn,
            f"Deactivate {name}'s access key {key.access_key_id}",
            cli(actions.deactivate_key(), key_facts),
            rollback=cli(actions.reactivate_key(), key_facts),
            person=person,
            guard=True,
        )
    writer.add(
        track,
        "reversible",
        arn,
        f"Deny {name} everything: attach the AWS managed policy AWSDenyAll (an explicit Deny wins over any Allow)",
        cli(actions.deny_all(), facts),
        rollback=cli(actions.allow_again(), facts),
        person=person,
        guard=True,
    )
    ends = writer.watch_ends.isoformat() if writer.watch_ends else f"{writer.watch_days} days later"
    watch = "\n".join(
        [cli(actions.watch_key(), {**facts, "access_key_id": key.access_key_id}) for key in iam_user.active_keys]
        + [cli(actions.find_user_use(), facts)]
    )
    writer.add(
        track,
        "watch",
        arn,
        f"On {ends}: check that nothing used {name} since it was switched off (its keys' last use has not moved; "
        "CloudTrail shows no call of the user, only AccessDenied attempts, whose callers must be found first). "
        "Anything broke: run the rollback lines above",
        watch,
        person=person,
    )
    if iam_user.password_enabled is not False:
        writer.add(
            track,
            "reversible",
            arn,
            f"Remove {name}'s console password"
            + (" (if it has one: not known)" if iam_user.password_enabled is None else ""),
            cli(actions.remove_console_password(), facts),
            rollback=cli(actions.restore_console_password(), facts),
            person=person,
            guard=True,
            after_watch=True,
        )
    policies = [*facts["policy_arns"], actions.DENY_ALL_POLICY_ARN]
    writer.add(
        track,
        "irreversible",
        arn,
        f"Delete the IAM user {name}, with everything DeleteUser requires gone first (access keys, signing "
        "certificates, MFA devices, policies, group memberships, SSH public keys, service-specific credentials)",
        cli(actions.delete_user(with_login_profile=False), {**facts, "policy_arns": policies}),
        person=person,
        guard=True,
    )
    if note is not None:
        writer.out[first].note = note


def keep_break_glass(writer: StepWriter, user: IamUserReadiness) -> None:
    """A break-glass user stays, for the console only: its keys deactivated, then deleted after the watch."""
    keys = [key.access_key_id for key in user.evidence.active_keys]
    facts = writer.facts(user_name=user.user_name)
    for key in keys:
        key_facts = {**facts, "access_key_id": key}
        writer.add(
            "break-glass",
            "reversible",
            user.arn,
            f"Keep {user.user_name} for emergencies, with a console password only: deactivate its access key {key}",
            cli(actions.deactivate_key(), key_facts),
            rollback=cli(actions.reactivate_key(), key_facts),
            guard=True,
        )
    if keys:
        writer.add(
            "break-glass",
            "irreversible",
            user.arn,
            f"Delete {user.user_name}'s access key(s): a break-glass user signs in with a password and MFA only",
            cli(actions.delete_key(), {**facts, "access_key_id": keys}),
            guard=True,
        )
    if user.evidence.mfa_active is False:
        writer.add(
            "break-glass",
            "prepare",
            user.arn,
            f"Register a FIDO security key as {user.user_name}'s MFA device (console: IAM > Users > "
            f"{user.user_name} > Security credentials > Assign MFA device), keep it in a safe",
        )


def create_break_glass(writer: StepWriter) -> None:
    """The account has no emergency way in (``no-break-glass``): one is made before anything is removed."""
    account_id = writer.account.account_id
    user_arn = f"arn:aws:iam::{account_id}:user{actions.BREAK_GLASS_PATH}{BREAK_GLASS_USER}"
    facts = writer.facts(break_glass_user=BREAK_GLASS_USER)
    created = actions.create_break_glass_user()
    writer.add(
        "break-glass",
        "prepare",
        user_arn,
        f"Create the break-glass user {BREAK_GLASS_USER} before any IAM user of {writer.account.display_name} goes: "
        "a person types its console password (twice as long as usual, kept in a safe; nothing prints it), it gets "
        "administrator access and never an access key",
        cli(created, facts),
        guard=True,
    )
    writer.add(
        "break-glass",
        "prepare",
        user_arn,
        f"Register two FIDO security keys as {BREAK_GLASS_USER}'s MFA devices (no API registers one): "
        + created.fill(facts).console[0],
    )
    topic = f"arn:aws:sns:{actions.ALARM_REGION}:{account_id}:{actions.ALARM_NAME}"
    pattern = {
        "detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
        "detail": {"userIdentity": {"arn": [user_arn]}},
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
            }
        ],
    }
    writer.add(
        "break-glass",
        "prepare",
        user_arn,
        f"Alarm on every use of {BREAK_GLASS_USER}: an EventBridge rule on its console sign-ins and API calls, to an "
        "SNS topic mailed to the security team (console sign-ins arrive in us-east-1; API calls in their region: "
        "add the rule in each region you use)",
        cli(
            actions.alarm_on_sign_in(),
            {
                **facts,
                "topic_arn": topic,
                "topic_policy": json.dumps(policy, separators=(",", ":")),
                "event_pattern": json.dumps(pattern, separators=(",", ":")),
                "alarm_email": None,  # the reader's: stays <alarm_email>
            },
        ),
        guard=True,
    )
