"""CHANGELOG.md names every pack version and every pinned rule set with its source."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import PROJECT_ROOT

CHANGELOG = PROJECT_ROOT / "CHANGELOG.md"


def _changelog() -> str:
    return CHANGELOG.read_text(encoding="utf-8")


def test_every_pack_version_has_a_changelog_section():
    headings = [line for line in _changelog().splitlines() if line.startswith("## ")]
    for pack in sorted((PROJECT_ROOT / "tax_rules" / "packs").glob("*.toml")):
        version = tomllib.loads(pack.read_text(encoding="utf-8"))["version"]
        assert any(f"packs {version}" in h for h in headings), (
            f"{pack.name} is at version {version}: add a '## DATE: jurisdiction packs {version}' "
            "section listing its changed rows with their legal source"
        )


def test_every_listed_pack_row_names_a_source():
    rows = [line for line in _changelog().splitlines() if re.match(r"- (added|changed) ", line)]
    assert rows, "the changelog lists no pack row"
    for row in rows:
        assert "Source: " in row and re.search(r"\d{4}-\d{2}-\d{2}", row), row


def test_every_pinned_rule_set_and_commit_is_in_the_changelog():
    text = _changelog()
    pins = tomllib.loads((PROJECT_ROOT / "schemas" / "artifacts.toml").read_text(encoding="utf-8"))
    for name, artifact in pins["artifact"].items():
        assert f"`{name}`" in text, (
            f"rule set {name} ({artifact['version']}) is not in the changelog"
        )
    for upstream in pins.get("upstream", []):
        commit = re.search(r"/([0-9a-f]{40})/", upstream["url"])
        assert commit is not None, upstream["url"]
        assert commit.group(1) in text, f"pinned commit of {upstream['folder']} is not named"
