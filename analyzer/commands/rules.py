"""`conflictscan rules` and `conflictscan explain ID`: the catalog, for people."""

from __future__ import annotations

import textwrap

from analyzer.catalog import load_catalog


def list_rules() -> int:
    catalog = load_catalog()
    family = None
    for rule in catalog.rules.values():
        if rule.family != family:
            family = rule.family
            print(f"\n{family}")
        print(f"  {rule.id}  {rule.severity.value:<7}  {rule.risk.value:<6}  {rule.name:<32} "
              f"{rule.title}")
    print("\n`conflictscan explain ID` tells why a rule matters and what to do.")
    return 0


def explain_rule(rule_id: str) -> int:
    rule = load_catalog().rule(rule_id)
    print(f"{rule.id} {rule.name}: {rule.title}")
    print(f"severity {rule.severity.value}, risk {rule.risk.value} ({rule.family})\n")
    print("Why this is risky\n" + _indent(rule.why) + "\n")
    print("Example\n" + _indent(rule.example) + "\n")
    print("What to do\n" + _indent(textwrap.fill(rule.fix_text(), 92)))
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())
