"""IAM's evaluation logic (``auditor/permissions/evaluator.py``): the examples of AWS's IAM documentation, each row
citing its page, then the cases the readiness stage compares (AWS managed policies, boundaries, the self-service
MFA policy), the shapes real documents have, and ``grants`` against ``decide`` over the whole database."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from auditor.permissions.actions import all_actions, database, expand
from auditor.permissions.evaluator import (
    BOUNDARY_UNREADABLE,
    Decision,
    PolicyCache,
    best_of,
    covers,
    decide,
    grants,
    not_covered,
    policy_set,
)

ALLOWED, DEPENDS, DENIED, NOT_ALLOWED = Decision.ALLOWED, Decision.DEPENDS, Decision.DENIED, Decision.NOT_ALLOWED

Document = dict[str, Any]


def doc(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **more: Any) -> Document:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: str | list[str], resource: str | list[str] = "*", **more: Any) -> Document:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}

# ------------------------------------------------------------------------ documents of AWS's documentation

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
GET_LIST_DENY_REPORTS = doc(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (Shirley's boundary)
SHIRLEY_BOUNDARY = doc(allow(["s3:*", "cloudwatch:*", "ec2:*"]))
SHIRLEY_CREATE_USER = {"Version": "2012-10-17", "Statement": allow("iam:CreateUser")}
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
NOT_DELETE_BUCKET = doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})
ALL_BUT_IAM = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
DENY_NON_IAM_WITHOUT_MFA = doc(
    {"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": NO_MFA}
)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
HR_PAYROLL_ONLY = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Deny",
        "Action": "s3:*",
        "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
    },
}
ALL_BUT_HR_BUCKET = doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::HRBucket"})
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html (Carlos)
CARLOS = doc(
    {
        "Sid": "AllowS3ListRead",
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation",
            "s3:GetAccountPublicAccessBlock",
            "s3:ListAccessPoints",
            "s3:ListAllMyBuckets",
        ],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Sid": "AllowS3Self",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
OWN_USER = "arn:aws:iam::*:user/${aws:username}"
SELF_SERVICE_MFA = doc(
    allow(["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], Sid="AllowViewAccountInfo"),
    allow(["iam:ChangePassword", "iam:GetUser"], OWN_USER, Sid="AllowManageOwnPasswords"),
    allow(
        ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"],
        OWN_USER,
        Sid="AllowManageOwnAccessKeys",
    ),
    allow("iam:CreateVirtualMFADevice", "arn:aws:iam::*:mfa/*", Sid="AllowManageOwnVirtualMFADevice"),
    allow(
        ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
        OWN_USER,
        Sid="AllowManageOwnUserMFA",
    ),
    {
        "Sid": "DenyAllExceptListedIfNoMFA",
        "Effect": "Deny",
        "NotAction": [
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:GetUser",
            "iam:GetMFADevice",
            "iam:ListMFADevices",
            "iam:ListVirtualMFADevices",
            "iam:ResyncMFADevice",
            "sts:GetSessionToken",
        ],
        "Resource": "*",
        "Condition": NO_MFA,
    },
)

# ------------------------------------------------------------------ AWS managed policies (as AWS publishes them)

ADMINISTRATOR_ACCESS = doc(allow("*"))
S3_FULL_ACCESS = doc(allow(["s3:*", "s3-object-lambda:*"]))
EC2_FULL_ACCESS = doc(
    allow("ec2:*"),
    allow("elasticloadbalancing:*"),
    allow("cloudwatch:*"),
    allow("autoscaling:*"),
    allow(
        "iam:CreateServiceLinkedRole",
        Condition={"StringEquals": {"iam:AWSServiceName": ["autoscaling.amazonaws.com", "spot.amazonaws.com"]}},
    ),
)
# Short hand-written documents shaped like ReadOnlyAccess (reads data: Get*) and ViewOnlyAccess (lists and
# describes, reads no data): the real ones name thousands of patterns.
READ_ONLY_LIKE = doc(
    allow(["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*", "dynamodb:Get*", "dynamodb:List*"]),
    allow(["dynamodb:Describe*", "dynamodb:Query", "dynamodb:Scan"]),
)
VIEW_ONLY_LIKE = doc(
    allow(["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetBucketLocation", "ec2:Describe*", "iam:List*"]),
    allow(["dynamodb:ListTables", "dynamodb:DescribeTable"]),
)


# Each row: the identity policies, the boundary (None: none), the action, IAM's answer.
AWS_DOCUMENTATION_EXAMPLES = [
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
    pytest.param([GET_LIST_DENY_REPORTS], None, "iam:GetUser", ALLOWED, id="Interplay: iam:Get* allowed"),
    pytest.param([GET_LIST_DENY_REPORTS], None, "iam:ListUsers", ALLOWED, id="Interplay: iam:List* allowed"),
    pytest.param([GET_LIST_DENY_REPORTS], None, "iam:CreatePolicy", NOT_ALLOWED, id="Interplay: implicitly denied"),
    pytest.param(
        [GET_LIST_DENY_REPORTS], None, "iam:GetOrganizationsAccessReport", DENIED, id="Interplay: explicitly denied"
    ),
    pytest.param(
        [GET_LIST_DENY_REPORTS, doc(allow("iam:GenerateCredentialReport"))],
        None,
        "iam:GenerateCredentialReport",
        DENIED,
        id="Interplay: another policy's Allow does not beat the Deny",
    ),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    pytest.param(
        [SHIRLEY_CREATE_USER], [SHIRLEY_BOUNDARY], "iam:CreateUser", NOT_ALLOWED, id="Boundaries: outside the boundary"
    ),
    pytest.param([], [SHIRLEY_BOUNDARY], "ec2:RunInstances", NOT_ALLOWED, id="Boundaries: a boundary grants nothing"),
    pytest.param(
        [SHIRLEY_CREATE_USER, doc(allow("s3:*"))],
        [SHIRLEY_BOUNDARY],
        "s3:GetObject",
        ALLOWED,
        id="Boundaries: inside both",
    ),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    # ("An explicit deny in either of these policies overrides the allow": identity-based policy and boundary)
    pytest.param(
        [ADMINISTRATOR_ACCESS],
        [doc(allow("*"), deny("iam:*"))],
        "iam:CreateUser",
        DENIED,
        id="Evaluation logic: a Deny in the boundary",
    ),
    pytest.param(
        [ADMINISTRATOR_ACCESS],
        [doc(allow("*"), deny("iam:*"))],
        "s3:GetObject",
        ALLOWED,
        id="Evaluation logic: the boundary's Allow",
    ),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    pytest.param(
        [NOT_DELETE_BUCKET], None, "s3:GetObject", DEPENDS, id="NotAction: S3 but DeleteBucket, on S3 resources"
    ),
    pytest.param([NOT_DELETE_BUCKET], None, "s3:DeleteBucket", NOT_ALLOWED, id="NotAction: the action left out"),
    pytest.param([ALL_BUT_IAM], None, "ec2:RunInstances", ALLOWED, id="NotAction: everything but IAM"),
    pytest.param([ALL_BUT_IAM], None, "iam:CreateUser", NOT_ALLOWED, id="NotAction: IAM left out"),
    pytest.param(
        [ADMINISTRATOR_ACCESS, DENY_NON_IAM_WITHOUT_MFA],
        None,
        "ec2:RunInstances",
        DEPENDS,
        id="NotAction with Deny: denied without MFA only",
    ),
    pytest.param(
        [ADMINISTRATOR_ACCESS, DENY_NON_IAM_WITHOUT_MFA],
        None,
        "iam:CreateUser",
        ALLOWED,
        id="NotAction with Deny: IAM is not denied",
    ),
    pytest.param(
        [DENY_NON_IAM_WITHOUT_MFA], None, "ec2:RunInstances", NOT_ALLOWED, id="NotAction with Deny: it grants nothing"
    ),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    pytest.param([HR_PAYROLL_ONLY], None, "s3:GetObject", NOT_ALLOWED, id="NotResource: the Deny grants nothing"),
    pytest.param(
        [doc(allow("s3:*")), HR_PAYROLL_ONLY], None, "s3:GetObject", DEPENDS, id="NotResource: Deny but on Payroll"
    ),
    pytest.param(
        [doc(allow("s3:*")), HR_PAYROLL_ONLY], None, "ec2:RunInstances", NOT_ALLOWED, id="NotResource: S3 only"
    ),
    pytest.param([ALL_BUT_HR_BUCKET], None, "iam:CreateUser", DEPENDS, id="NotResource: Allow * but HRBucket"),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    pytest.param([CARLOS], None, "s3:ListAllMyBuckets", DEPENDS, id="Carlos: listing on arn:aws:s3:::*"),
    pytest.param([CARLOS], None, "s3:PutObject", DEPENDS, id="Carlos: his own bucket, Deny on logs"),
    pytest.param([CARLOS], None, "ec2:RunInstances", NOT_ALLOWED, id="Carlos: nothing outside S3"),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
    pytest.param([SELF_SERVICE_MFA], None, "iam:CreateAccessKey", DEPENDS, id="MFA self-service: own user only"),
    pytest.param([SELF_SERVICE_MFA], None, "iam:GetUser", DEPENDS, id="MFA self-service: own user, no MFA needed"),
    pytest.param(
        [SELF_SERVICE_MFA], None, "iam:ListVirtualMFADevices", ALLOWED, id="MFA self-service: every resource, no Deny"
    ),
    pytest.param(
        [SELF_SERVICE_MFA], None, "iam:GetAccountPasswordPolicy", DEPENDS, id="MFA self-service: only with MFA"
    ),
    pytest.param(
        [SELF_SERVICE_MFA], None, "sts:GetSessionToken", NOT_ALLOWED, id="MFA self-service: exempt but not allowed"
    ),
    pytest.param(
        [SELF_SERVICE_MFA, ADMINISTRATOR_ACCESS],
        None,
        "ec2:RunInstances",
        DEPENDS,
        id="MFA self-service: the conditional Deny makes other grants depend, not denied",
    ),
]


@pytest.mark.parametrize(("policies", "boundary", "action", "expected"), AWS_DOCUMENTATION_EXAMPLES)
def test_the_examples_of_aws_documentation(
    policies: list[Document], boundary: list[Document] | None, action: str, expected: Decision
) -> None:
    assert decide(action, policies, boundary) is expected
    assert grants(policies, boundary).decision(action) is expected  # the enumeration agrees


# ------------------------------------------------------------------------------ what the readiness stage compares


def test_s3_full_access_reads_objects_and_ec2_full_access_does_not() -> None:
    assert decide("s3:GetObject", [S3_FULL_ACCESS]) is ALLOWED
    assert decide("s3:GetObject", [EC2_FULL_ACCESS]) is NOT_ALLOWED
    assert decide("ec2:RunInstances", [EC2_FULL_ACCESS]) is ALLOWED
    assert decide("ec2:RunInstances", [S3_FULL_ACCESS]) is NOT_ALLOWED
    assert decide("iam:CreateServiceLinkedRole", [EC2_FULL_ACCESS]) is DEPENDS  # its Condition
    s3 = grants([S3_FULL_ACCESS])
    assert s3.service_decision("s3") is ALLOWED
    assert s3.service_decision("ec2") is NOT_ALLOWED
    assert len(s3) == len(expand("s3:*")) + len(expand("s3-object-lambda:*"))


def test_read_only_reads_data_and_view_only_does_not() -> None:
    assert decide("s3:GetObject", [READ_ONLY_LIKE]) is ALLOWED
    assert decide("s3:GetObject", [VIEW_ONLY_LIKE]) is NOT_ALLOWED
    assert decide("dynamodb:GetItem", [READ_ONLY_LIKE]) is ALLOWED
    assert decide("dynamodb:GetItem", [VIEW_ONLY_LIKE]) is NOT_ALLOWED
    for action in ("s3:ListBucket", "ec2:DescribeInstances", "iam:ListUsers", "dynamodb:DescribeTable"):
        assert decide(action, [READ_ONLY_LIKE]) is decide(action, [VIEW_ONLY_LIKE]) is ALLOWED
    lost = {
        action: (mine, theirs) for action, mine, theirs in grants([READ_ONLY_LIKE]).beyond(grants([VIEW_ONLY_LIKE]))
    }
    assert lost["s3:GetObject"] == (ALLOWED, NOT_ALLOWED)
    assert "s3:ListBucket" not in lost
    assert not list(grants([VIEW_ONLY_LIKE]).beyond(grants([READ_ONLY_LIKE])))  # view-only is within read-only


def test_administrator_access_capped_by_a_read_only_boundary() -> None:
    capped = grants([ADMINISTRATOR_ACCESS], [READ_ONLY_LIKE])
    assert capped.decision("iam:CreateUser") is NOT_ALLOWED
    assert capped.decision("s3:ListBucket") is ALLOWED
    assert decide("iam:CreateUser", [ADMINISTRATOR_ACCESS], [READ_ONLY_LIKE]) is NOT_ALLOWED
    assert decide("s3:ListBucket", [ADMINISTRATOR_ACCESS], [READ_ONLY_LIKE]) is ALLOWED
    assert set(capped) == set(grants([READ_ONLY_LIKE]))  # identity ∩ boundary


def test_an_unreadable_boundary_leaves_at_most_depends() -> None:
    capped = grants([ADMINISTRATOR_ACCESS], BOUNDARY_UNREADABLE)
    assert decide("s3:GetObject", [ADMINISTRATOR_ACCESS], BOUNDARY_UNREADABLE) is DEPENDS
    assert capped.count(ALLOWED) == 0
    assert capped.count(DEPENDS) == len(all_actions())
    assert decide("s3:GetObject", [EC2_FULL_ACCESS], BOUNDARY_UNREADABLE) is NOT_ALLOWED  # no Allow to cap
    assert decide("iam:GetOrganizationsAccessReport", [GET_LIST_DENY_REPORTS], BOUNDARY_UNREADABLE) is DENIED


def test_an_empty_boundary_allows_nothing() -> None:
    """A boundary with no Allow caps everything, as in IAM: "no boundary" is None, not an empty list."""
    assert decide("s3:GetObject", [ADMINISTRATOR_ACCESS], []) is NOT_ALLOWED
    assert len(grants([ADMINISTRATOR_ACCESS], [])) == 0


def test_administrator_access_grants_every_action() -> None:
    everything = grants([ADMINISTRATOR_ACCESS])
    assert len(everything) == everything.count(ALLOWED) == len(all_actions())
    assert dict(everything.decisions()) == dict.fromkeys(all_actions(), ALLOWED)
    assert everything.decision("brandnewservice:DoIt") is ALLOWED  # not in the database: evaluated directly


# ------------------------------------------------------------------------------ the rules, one at a time


def test_an_unconditional_deny_on_every_resource_wins() -> None:
    assert decide("s3:GetObject", [ADMINISTRATOR_ACCESS, doc(deny("s3:*"))]) is DENIED
    assert grants([ADMINISTRATOR_ACCESS, doc(deny("s3:*"))]).service_decision("s3") is DENIED
    assert decide("s3:GetObject", [doc(deny("s3:*"))]) is DENIED  # explicit, even with no Allow


def test_a_deny_under_a_condition_or_on_some_resources_may_apply() -> None:
    on_condition = doc(deny("s3:*", Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))
    on_a_bucket = doc(deny("s3:*", "arn:aws:s3:::secret/*"))
    for denial in (on_condition, on_a_bucket):
        assert decide("s3:GetObject", [S3_FULL_ACCESS, denial]) is DEPENDS
        assert decide("s3:GetObject", [denial]) is NOT_ALLOWED  # a Deny never grants


def test_an_allow_under_a_condition_or_on_some_resources_depends() -> None:
    assert decide("s3:GetObject", [doc(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}}))]) is DEPENDS
    assert decide("s3:GetObject", [doc(allow("s3:*", "arn:aws:s3:::bucket/*"))]) is DEPENDS
    assert (
        decide("s3:GetObject", [doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"})]) is DEPENDS
    )
    assert decide("s3:GetObject", [doc(allow("s3:*", ["arn:aws:s3:::bucket/*", "*"]))]) is ALLOWED  # * among others
    assert decide("s3:GetObject", [doc(allow("s3:*", Condition={}))]) is ALLOWED  # an empty Condition is none


def test_the_strongest_allow_counts() -> None:
    narrow_and_broad = [doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), doc(allow("s3:Get*"))]
    assert decide("s3:GetObject", narrow_and_broad) is ALLOWED


def test_not_action_with_allow_allows_all_but_the_listed() -> None:
    policies = [doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})]
    assert decide("ec2:RunInstances", policies) is ALLOWED
    assert decide("organizations:CreateAccount", policies) is NOT_ALLOWED
    granted = grants(policies)
    assert granted.service_decision("iam") is NOT_ALLOWED
    assert granted.service_decision("s3") is ALLOWED
    assert len(granted) == len(all_actions()) - len(expand("iam:*")) - len(expand("organizations:*"))


def test_a_narrow_resource_is_not_matched_against_the_action() -> None:
    """Known limit: resources are not matched against what an action acts on, so a NotAction scoped to S3
    resources answers "depends" (never "allowed") for other services' actions too."""
    assert decide("ec2:RunInstances", [NOT_DELETE_BUCKET]) is DEPENDS


# ------------------------------------------------------------------------------ documents as they come


def test_the_shapes_real_documents_have() -> None:
    shapes: list[Any] = [
        {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}},  # no Version, one object
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]},
        doc(allow("s3:GetObject", Principal={"AWS": "arn:aws:iam::111122223333:root"})),  # Principal ignored
        json.dumps(doc(allow("s3:GetObject"))),  # JSON text
        urllib.parse.quote(json.dumps(doc(allow("s3:GetObject")))),  # URL-encoded, as IAM's API returns it
        doc(allow("S3:GETOBJECT")),  # IAM ignores case in action names
    ]
    for shape in shapes:
        assert decide("s3:GetObject", [shape]) is ALLOWED, shape
        assert decide("s3:getobject", [shape]) is ALLOWED, shape


def test_what_iam_would_not_store_grants_nothing() -> None:
    malformed: list[Any] = [
        {},
        {"Statement": []},
        {"Statement": [{"Action": "s3:*", "Resource": "*"}]},  # no Effect
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},  # neither Action nor NotAction
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]},  # both
        {"Statement": ["not a statement"]},
    ]
    for document in malformed:
        assert decide("s3:GetObject", [document]) is NOT_ALLOWED, document


def test_an_action_newer_than_the_database_is_still_evaluated() -> None:
    policies = [doc(allow("s3:Get*"), deny("s3:GetObjectOfTheFuture"))]
    assert decide("s3:GetObjectOfTheFuture", policies) is DENIED
    assert decide("s3:GetSomethingNew", policies) is ALLOWED
    assert grants(policies).decision("s3:GetSomethingNew") is ALLOWED
    assert "s3:GetSomethingNew" not in all_actions()


def test_decide_takes_one_concrete_action() -> None:
    for pattern in ("s3:Get*", "*", "s3:GetObjec?", "GetObject"):
        with pytest.raises(ValueError, match="one action"):
            decide(pattern, [ADMINISTRATOR_ACCESS])
    with pytest.raises(TypeError, match="list of documents"):
        policy_set(ADMINISTRATOR_ACCESS)  # type: ignore[arg-type]


def test_the_four_answers_are_a_public_vocabulary() -> None:
    assert [d.value for d in Decision] == ["allowed", "depends", "denied", "not-allowed"]
    assert json.dumps([Decision.NOT_ALLOWED]) == '["not-allowed"]'


# ------------------------------------------------------------------------------ grants: the whole database


SAMPLES = [
    pytest.param([ADMINISTRATOR_ACCESS, DENY_NON_IAM_WITHOUT_MFA], None, id="admin, conditional NotAction Deny"),
    pytest.param([SELF_SERVICE_MFA], None, id="self-service MFA"),
    pytest.param([READ_ONLY_LIKE, EC2_FULL_ACCESS, CARLOS], None, id="read-only, EC2, Carlos"),
    pytest.param([ALL_BUT_IAM, GET_LIST_DENY_REPORTS], [SHIRLEY_BOUNDARY, HR_PAYROLL_ONLY], id="NotAction, boundary"),
    pytest.param([ALL_BUT_HR_BUCKET, doc(deny("ec2:Terminate*"))], BOUNDARY_UNREADABLE, id="unreadable boundary"),
    pytest.param([S3_FULL_ACCESS], [doc(allow("*"), deny(["ec2:*", "s3:Delete*"]))], id="a boundary's own Deny"),
    pytest.param([doc(allow("*:Describe*"), allow("s3*"), allow("ec2:Run?nstances"))], None, id="odd patterns"),
]


@pytest.mark.parametrize(("policies", "boundary"), SAMPLES)
def test_grants_agrees_with_decide_on_every_action(policies: list[Document], boundary: Any) -> None:
    """The enumeration (bit masks per service) and the one-action path give the same answer for every action of the
    database."""
    granted = grants(policies, boundary)
    answers = {action: granted.decision(action) for action in all_actions()}
    assert answers == {action: decide(action, policies, boundary) for action in all_actions()}
    assert dict(granted.decisions()) == {a: d for a, d in answers.items() if d in (ALLOWED, DEPENDS)}
    assert set(granted) == set(dict(granted.decisions()))
    for decision in (ALLOWED, DEPENDS, DENIED):
        assert set(granted.actions(decision)) == {a for a, d in answers.items() if d is decision}
        assert granted.count(decision) == sum(d is decision for d in answers.values())
    assert granted.count(NOT_ALLOWED) == sum(d is NOT_ALLOWED for d in answers.values())


def test_grants_is_a_mapping_of_what_is_allowed_or_depends() -> None:
    granted = grants([EC2_FULL_ACCESS])
    assert granted["ec2:RunInstances"] is ALLOWED
    assert granted["EC2:runinstances"] is ALLOWED
    assert granted["iam:CreateServiceLinkedRole"] is DEPENDS
    assert "s3:GetObject" not in granted
    with pytest.raises(KeyError):
        granted["s3:GetObject"]
    assert granted.service_decision("iam") is None  # one action depends, the others are not allowed


def test_a_combination_is_computed_once() -> None:
    """Equal combinations are one cache entry, however their documents are split or ordered."""
    first = grants([S3_FULL_ACCESS, EC2_FULL_ACCESS])
    assert grants([EC2_FULL_ACCESS, S3_FULL_ACCESS]) is first
    assert grants([json.loads(json.dumps(S3_FULL_ACCESS)), EC2_FULL_ACCESS, S3_FULL_ACCESS]) is first
    assert grants([S3_FULL_ACCESS, EC2_FULL_ACCESS], BOUNDARY_UNREADABLE) is not first
    assert policy_set([S3_FULL_ACCESS]) | policy_set([EC2_FULL_ACCESS]) == policy_set([EC2_FULL_ACCESS, S3_FULL_ACCESS])


def test_the_policy_cache_reads_each_document_object_once() -> None:
    cache = PolicyCache()
    shared = doc(allow("s3:*"))
    first = cache.policy_set([shared])
    shared_statements = cache.statements_of(shared)
    assert cache.statements_of(shared) is shared_statements
    assert cache.policy_set([shared, EC2_FULL_ACCESS]) == policy_set([shared, EC2_FULL_ACCESS])
    assert grants(first) is grants(cache.policy_set([shared]))


def test_every_service_of_the_database_has_its_masks() -> None:
    """A service's mask covers exactly its actions: "everything" is one mask per service."""
    for service in database().values():
        assert service.everything.bit_count() == len(service.names)


# ------------------------------------------------------------------ one principal against several (readiness)

BUCKET_A = doc(allow("s3:GetObject", "arn:aws:s3:::team-a/*"))
BUCKET_B = doc(allow("s3:GetObject", "arn:aws:s3:::team-b/*"))
HOME_FOLDER = doc(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))
TAGGED = doc(allow("ec2:StartInstances", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}}))


def test_not_covered_answers_as_best_of_over_each_set() -> None:
    """The masks' answer for the sets is the one ``best_of`` gives action by action: any set that may allow,
    then any that denies, then none."""
    mine = grants([ADMINISTRATOR_ACCESS])
    sets = [
        grants([READ_ONLY_LIKE]),
        grants([doc(deny("iam:CreateUser"), allow("ec2:*", "arn:aws:ec2:*:*:instance/*"))]),
    ]
    found = {action: (m, theirs) for action, m, theirs in not_covered(mine, sets)}
    assert found["iam:CreateUser"] == (ALLOWED, DENIED)
    assert found["ec2:RunInstances"] == (ALLOWED, DEPENDS)
    assert found["lambda:InvokeFunction"] == (ALLOWED, NOT_ALLOWED)
    assert "s3:GetObject" not in found  # read-only allows it outright
    for action, (_, theirs) in list(found.items())[::97]:
        assert theirs is best_of(sets, action)


def test_not_covered_keeps_a_depends_on_both_sides_and_can_look_at_some_services_only() -> None:
    """Conditions and resources are not compared: the same ``depends`` on both sides is not known to be the same
    access, so it is yielded (the comparison asks ``covers``)."""
    found = {a: (m, t) for a, m, t in not_covered(grants([BUCKET_A]), [grants([BUCKET_B])])}
    assert found == {"s3:GetObject": (DEPENDS, DEPENDS)}
    admin = grants([ADMINISTRATOR_ACCESS])
    assert {a.split(":")[0] for a, _, _ in not_covered(admin, [], ["S3", "logs", "no-such-service"])} == {"s3", "logs"}


def test_covers_the_same_limited_statement_and_nothing_else() -> None:
    a = grants([BUCKET_A])
    assert covers(grants([BUCKET_A, READ_ONLY_LIKE]), a, "s3:GetObject")  # the same statement, and more
    assert not covers(grants([BUCKET_B]), a, "s3:GetObject")  # another bucket
    # the same grant written differently: a list of one resource, conditions with a list of one value
    assert covers(grants([doc(allow(["s3:GetObject"], ["arn:aws:s3:::team-a/*"]))]), a, "s3:GetObject")
    tagged_list = doc(allow("ec2:StartInstances", Condition={"StringEquals": {"ec2:ResourceTag/team": ["a"]}}))
    tagged_one = doc(allow("ec2:StartInstances", Condition={"StringEquals": {"ec2:ResourceTag/team": "a"}}))
    assert covers(grants([tagged_list]), grants([tagged_one]), "ec2:StartInstances")
    assert not covers(grants([HOME_FOLDER]), grants([HOME_FOLDER]), "s3:GetObject")  # ${aws:username}: a user's
    assert not covers(grants([TAGGED]), grants([TAGGED]), "ec2:StartInstances")  # the principal's tag
    assert not covers(grants([BUCKET_A, doc(deny("s3:*", "arn:aws:s3:::team-a/secret/*"))]), a, "s3:GetObject")
    assert not covers(grants([BUCKET_A], [BUCKET_A]), a, "s3:GetObject")  # a boundary mine does not have
    assert not covers(grants([BUCKET_A], BOUNDARY_UNREADABLE), a, "s3:GetObject")
    # mine is capped by a boundary: holding the boundary's statement is enough (identity ∩ boundary)
    assert covers(grants([BUCKET_A]), grants([ADMINISTRATOR_ACCESS], [BUCKET_A]), "s3:GetObject")
