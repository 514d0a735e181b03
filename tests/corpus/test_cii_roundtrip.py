"""CII D16B both ways: the CII corpus round-trips, and every UBL instance converts to valid CII."""

from __future__ import annotations

import pytest

import validators
from schemas import cii, ubl
from schemas.errors import RenderError
from schemas.model import Invoice
from tests.conftest import corpus_files

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out


def test_cii_corpus_round_trip_keeps_every_business_term(corpus_dir, artifacts_dir, capsys):
    files = corpus_files("cii", "valid")
    failures = {}
    for path in files:
        original = cii.parse_document(path.read_bytes())
        assert original.unmapped == (), (path.name, original.unmapped)
        assert validators.validate(path.read_bytes(), profile="en16931").valid, path.name
        rendered = cii.render(original.invoice)
        report = validators.validate(rendered, profile="en16931")
        if not report.valid:
            failures[path.name] = [(f.rule_id, f.message) for f in report.fatal] or report.not_run
        elif cii.parse(rendered) != original.invoice:
            failures[path.name] = "business terms differ after the round trip"
    with capsys.disabled():
        print(f"\nCII round trip: {len(files) - len(failures)}/{len(files)}")
    assert len(files) == 15 and not failures, failures


def _normalised(invoice: Invoice) -> Invoice:
    """Differences the two syntaxes cannot avoid (see the CII binding notes)."""
    lines = []
    for line in invoice.lines:
        gross = line.gross_price
        if gross is None and line.price_discount is not None:
            gross = line.unit_price + line.price_discount  # CII states the gross price (mandatory)
        lines.append(line.model_copy(update={"gross_price": gross}))
    seller = invoice.seller.model_copy(
        update={
            "identifiers": tuple(
                sorted(invoice.seller.identifiers, key=lambda i: (i.scheme or "", i.value))
            )
        }
    )
    buyer = invoice.buyer.model_copy(
        update={
            "identifiers": tuple(
                sorted(invoice.buyer.identifiers, key=lambda i: (i.scheme or "", i.value))
            )
        }
    )
    tax_currency = invoice.tax_currency
    if tax_currency == invoice.currency and invoice.totals.vat_total_accounting_currency is None:
        tax_currency = None  # a BT-6 equal to BT-5 is omitted in CII
    return invoice.model_copy(
        update={
            "lines": tuple(lines),
            "seller": seller,
            "buyer": buyer,
            "tax_currency": tax_currency,
        }
    )


def test_every_ubl_instance_converts_to_valid_cii(corpus_dir, artifacts_dir, capsys):
    converted, refused = 0, []
    for path in corpus_files("ubl", "valid"):
        invoice = ubl.parse(path.read_bytes())
        try:
            rendered = cii.render(invoice)
        except RenderError as exc:
            # CII D16B holds one preceding invoice reference; the renderer refuses rather than drop one.
            assert exc.problems[0].field == "preceding_invoices"
            assert len(invoice.preceding_invoices) > 1
            refused.append(path.name)
            continue
        report = validators.validate(rendered, profile="en16931")
        assert report.valid, (path.name, [(f.rule_id, f.message) for f in report.fatal])
        assert _normalised(cii.parse(rendered)) == _normalised(invoice), path.name
        converted += 1
    with capsys.disabled():
        print(
            f"\nUBL -> CII: {converted} converted and valid, {len(refused)} refused (more than one BG-3): {refused}"
        )
    assert converted + len(refused) == 58 and len(refused) <= 2


@pytest.mark.parametrize("type_code", ["380", "381"])
def test_full_invoice_renders_valid_cii_and_parses_back(type_code, artifacts_dir):
    from tests.factories import full_invoice

    invoice = full_invoice(type_code=type_code)
    rendered = cii.render(invoice)
    assert rendered == cii.render(invoice)  # deterministic
    report = validators.validate(rendered, profile="en16931")
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]
    parsed = cii.parse_document(rendered)
    assert parsed.unmapped == ()
    assert _normalised(parsed.invoice) == _normalised(invoice)


def test_tax_point_code_is_translated_between_code_lists():
    from tests.factories import full_invoice_data

    data = full_invoice_data()
    data["tax_point_date_code"] = "35"
    data.pop("delivery_date")
    invoice = Invoice.model_validate(data)
    rendered = cii.render(invoice)
    assert b"<ram:DueDateTypeCode>29</ram:DueDateTypeCode>" in rendered
    assert cii.parse(rendered).tax_point_date_code == "35"
