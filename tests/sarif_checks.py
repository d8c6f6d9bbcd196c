"""``check_sarif``: a SARIF log valid against the OASIS SARIF 2.1.0 schema and acceptable to GitHub code scanning.

The OASIS schema (errata 01, Draft 4) is the copy in ``tests/fixtures``. GitHub's own copy of the schema is not
used: it is not a valid JSON Schema itself (the region's ``anyOf`` sits inside ``properties``), and its one
intended addition, a region needs ``startLine``, ``charOffset`` or ``byteOffset``, is already in the OASIS
schema and asserted here as GitHub applies it (``startLine`` >= 1).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from typing import Any

import jsonschema
from conftest import FIXTURES

OASIS_SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(OASIS_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def check_sarif(log: dict[str, Any]) -> None:
    """Valid against the OASIS schema, and every rule GitHub applies before accepting an upload."""
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "OASIS SARIF 2.1.0: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )
    assert log["version"] == "2.1.0"
    assert log["$schema"]
    assert 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"]
        rules = driver.get("rules", [])
        ids = [rule["id"] for rule in rules]
        assert len(ids) == len(set(ids)), "duplicate rule ids"
        for rule in rules:
            assert rule["shortDescription"]["text"] and len(rule["shortDescription"]["text"]) <= 1024
            assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"]
            if "security-severity" in rule["properties"]:  # absent: the rule's results each carry their own
                float(rule["properties"]["security-severity"])  # a number in a string
            assert "security" in rule["properties"]["tags"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert len(run["results"]) <= 25_000
        assert run["automationDetails"]["id"]
        for result in run["results"]:
            assert result["ruleId"] and result["message"]["text"]
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert 1 <= len(result["locations"]) <= 1000
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri, "empty uri"
            assert ":" not in uri.split("/")[0], f"uri has a scheme: {uri}"
            assert not uri.startswith("/"), f"uri is absolute: {uri}"
            assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
            assert result["partialFingerprints"]
            assert all(isinstance(v, str) and v for v in result["partialFingerprints"].values())
            assert result["level"] in ("error", "warning", "note")
            rule_severity = rules[result["ruleIndex"]]["properties"].get("security-severity")
            float(result["properties"].get("security-severity") or rule_severity)  # one of the two, a number
    encoded = json.dumps(log).encode("utf-8")
    assert len(gzip.compress(encoded)) < 10 * 1024 * 1024
