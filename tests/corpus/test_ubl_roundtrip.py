"""Every valid UBL corpus instance survives parse -> render with its business terms intact."""

from __future__ import annotations

import pytest

import validators
from schemas import ubl
from tests.conftest import corpus_files

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out

FILES = corpus_files("ubl", "valid")

# Content of the corpus that lies outside the EN 16931 model, and why.
EXPECTED_UNMAPPED = {
    # A buyer tax registration (non-VAT PartyTaxScheme) has no business term.
    "AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
}


def test_parse_render_keeps_every_business_term_and_stays_valid(corpus_dir, capsys):
    failures: dict[str, str] = {}
    unmapped_seen: set[str] = set()
    for path in FILES:
        original = ubl.parse_document(path.read_bytes())
        for item in original.unmapped:
            unmapped_seen.add(item.path)
        rendered = ubl.render(original.invoice)
        report = validators.validate(rendered, profile="en16931")
        if not report.valid:
            failures[path.name] = (
                f"rendered document invalid: {[(f.rule_id, f.message) for f in report.fatal]}"
            )
            continue
        again = ubl.parse_document(rendered)
        if again.invoice != original.invoice:
            failures[path.name] = "business terms differ after the round trip"
        if again.unmapped:
            failures[path.name] = f"our own rendering has unmapped content: {again.unmapped}"
    with capsys.disabled():
        print(f"\nUBL round trip: {len(FILES) - len(failures)}/{len(FILES)}")
    assert len(FILES) == 58
    assert not failures, failures
    # Nothing inside the EN 16931 binding may be left unmapped.
    unexpected = {
        p
        for p in unmapped_seen
        if not any(p.replace("[1]", "").endswith(e) or e in _plain(p) for e in EXPECTED_UNMAPPED)
    }
    assert not unexpected, unexpected


def _plain(path: str) -> str:
    import re

    return re.sub(r"\[\d+\]", "", path)
