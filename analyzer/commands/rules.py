"""`conflictscan rules` and `conflictscan explain ID`: the catalog, for people."""

from __future__ import annotations

import textwrap

from analyzer import PROJECT_URL, __version__
from analyzer.catalog import Rule, load_catalog

RULES_DOC = "docs/rules.md"


def list_rules(form: str = "text") -> int:
    catalog = load_catalog()
    if form == "markdown":
        print(rules_markdown(), end="")
        return 0
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
    print("What to do\n" + _indent(textwrap.fill(rule.fix_general(), 92)))
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())


def rule_anchor(rule: Rule) -> str:
    """The stable anchor of a rule's section in docs/rules.md: its id, lower case."""
    return rule.id.lower()


def help_uri(rule: Rule) -> str:
    return f"{PROJECT_URL}/blob/v{__version__}/{RULES_DOC}#{rule_anchor(rule)}"


def rules_markdown() -> str:
    """docs/rules.md: every rule of rules/*.toml, generated (`conflictscan rules --format
    markdown`), with a stable anchor per rule for links such as SARIF's helpUri."""
    catalog = load_catalog()
    lines = ["# conflictscan rules", "",
             "Generated from `rules/*.toml` by `conflictscan rules --format markdown`; do not "
             "edit by hand.", ""]
    family = None
    for rule in catalog.rules.values():
        if rule.family != family:
            family = rule.family
            lines += [f"## {family}", ""]
        lines += [f'<a id="{rule_anchor(rule)}"></a>', "",
                  f"### {rule.id} {rule.name}: {rule.title}", "",
                  f"Severity **{rule.severity.value}**, risk **{rule.risk.value}**.", "",
                  "**Why this is risky.** " + " ".join(rule.why.split()), "",
                  "**Example.**", "", "```text", rule.example.strip(), "```", "",
                  "**What to do.** " + rule.fix_general(), ""]
    return "\n".join(lines)
