"""``python -m auditor.rules > docs/rules.md``: the built-in pack's catalog, generated from the rules themselves."""

from __future__ import annotations

import sys

from auditor.engine.catalog import render_markdown
from auditor.registry import load_rules
from auditor.rules import BUILTIN_PACK

sys.stdout.write(render_markdown(load_rules([BUILTIN_PACK], use_entry_points=False)))
