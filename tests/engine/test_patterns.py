"""The one pattern matcher: production patterns and suppressions match names, paths and tags the same way."""

from __future__ import annotations

from factories import AS_OF, DEV, PROD, make_account, make_inventory, make_org, org_account

from auditor.engine.config import Config, Suppression
from auditor.engine.patterns import AccountPattern, glob_match, tag_match
from auditor.inventory.facts import AccountFacts
from auditor.rule import RuleContext


def facts(name: str | None = None, ou_path: str | None = None, tags: dict[str, str] | None = None) -> AccountFacts:
    return AccountFacts("444455556666", name, ou_path, tags, is_management=False, state="ACTIVE")


def production(*patterns: str) -> RuleContext:
    config = Config.model_validate({"production_patterns": list(patterns)})
    return RuleContext.for_inventory(make_inventory(), config)


def test_production_patterns_by_name_ou_and_tag_ignoring_case() -> None:
    context = production("name:*prod*", "ou:/Root/Live/*", "tag:Env=prd", "*-live")
    assert context.production_pattern(facts("Acme-PROD")) == "name:*prod*"
    assert context.production_pattern(facts("payments", "/Root/Live/Payments")) == "ou:/Root/Live/*"
    assert context.production_pattern(facts("payments", tags={"env": "PRD"})) == "tag:Env=prd"  # keys and values
    assert context.production_pattern(facts("shop-live")) == "*-live"  # a bare glob matches the name
    assert context.production_pattern(facts("dev", "/Root/Dev", {"Env": "dev"})) is None
    assert context.production_pattern(facts()) is None
    assert context.production_pattern(None) is None  # an account nothing is known about


def test_tags_never_read_match_no_tag_pattern() -> None:
    context = production("tag:*=*", "tag:Environment=*")
    assert context.production_pattern(facts("ledger", tags=None)) is None
    assert context.production_pattern(facts("ledger", tags={})) is None
    assert context.production_pattern(facts("ledger", tags={"environment": ""})) == "tag:Environment=*"


def test_suppressions_and_production_patterns_share_one_case_rule() -> None:
    """The same tag written in another case matches both, or neither would be predictable."""
    tags = {"Owner": "Platform-Team"}
    suppression = Suppression(rule="*", tag="owner=platform-*", reason="r")
    assert suppression.matches("KEY-001", DEV, "dev", "arn:aws:iam::1:user/x", tags)
    assert AccountPattern.parse("tag:owner=platform-*").matches(facts("x", tags=tags))
    assert tag_match("owner=platform-*", tags) and glob_match("ARN:AWS:IAM::*:USER/X", "arn:aws:iam::1:user/x")
    assert not Suppression(rule="*", tag="owner=infra-*", reason="r").matches("KEY-001", DEV, None, "a", tags)


def test_the_context_sees_account_facts_merged_from_the_organization() -> None:
    """IDC-005 asks about accounts the scan may not have entered: the organization listing is enough."""
    org = make_org([org_account(DEV, "dev"), org_account(PROD, "ledger", ou_path="/Root/Prod", tags={"env": "prd"})])
    inventory = make_inventory(organization=org, accounts=[make_account(DEV, "dev")])
    context = RuleContext.for_inventory(inventory, Config.model_validate({"production_patterns": ["ou:*/Prod"]}))
    assert context.as_of == AS_OF
    assert context.production_pattern(inventory.account_facts(PROD)) == "ou:*/Prod"
    assert context.production_pattern(inventory.account_facts(DEV)) is None
