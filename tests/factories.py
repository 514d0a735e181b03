"""Hand-built EN 16931 invoices for tests: one with every business group filled."""

from __future__ import annotations

from typing import Any

from schemas.model import Invoice


def full_invoice_data(*, type_code: str = "380") -> dict[str, Any]:
    """An invoice that fills every BG and BT of the model and meets the EN 16931 rules."""
    return {
        "number": "INV-FULL-1",
        "issue_date": "2026-11-01",
        "type_code": type_code,
        "currency": "EUR",
        "tax_currency": "SEK",
        "tax_point_date_code": None,
        "due_date": "2026-12-01",
        "buyer_reference": "BUYER-REF-7",
        "project_reference": "PROJ-1",
        "contract_reference": "CONTRACT-2",
        "purchase_order_reference": "PO-77",
        "sales_order_reference": "SO-88",
        "receiving_advice_reference": "REC-3",
        "despatch_advice_reference": "DESP-4",
        "tender_reference": "LOT-5",
        "invoiced_object_id": {"value": "METER-123", "scheme": "AAA"},
        "buyer_accounting_reference": "4711-COST",
        "notes": [{"subject_code": "AAI", "text": "General note"}, "Plain note"],
        "business_process": "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        "customization_id": "urn:cen.eu:en16931:2017",
        "preceding_invoices": [{"number": "INV-0", "issue_date": "2026-10-01"}],
        "seller": {
            "name": "Seller GmbH",
            "trading_name": "Seller Trading",
            "identifiers": [{"value": "4000001000005", "scheme": "0088"}],
            "legal_id": {"value": "HRB 12345", "scheme": None},
            "vat_id": "DE123456789",
            "tax_registration_id": "12/345/67890",
            "additional_legal_info": "Managing director: A. Person",
            "electronic_address": {"value": "DE123456789", "scheme": "9930"},
            "address": {
                "lines": ["Hauptstr. 1", "Hinterhaus", "3. OG"],
                "city": "Berlin",
                "postal_code": "10115",
                "subdivision": "Berlin",
                "country": "DE",
            },
            "contact": {"name": "Accounts", "phone": "+49 30 1234", "email": "ar@seller.example"},
        },
        "buyer": {
            "name": "Buyer AB",
            "trading_name": "Buyer Trading",
            "identifiers": [{"value": "7300010000001", "scheme": "0088"}],
            "legal_id": {"value": "5560000000", "scheme": "0007"},
            "vat_id": "SE556000000001",
            "electronic_address": {"value": "7300010000001", "scheme": "0088"},
            "address": {
                "lines": ["Storgatan 1"],
                "city": "Stockholm",
                "postal_code": "11122",
                "country": "SE",
            },
            "contact": {"name": "Purchasing", "phone": "+46 8 1234", "email": "ap@buyer.example"},
        },
        "payee": {
            "name": "Factoring Bank",
            "identifier": {"value": "PAYEE-1", "scheme": None},
            "legal_id": {"value": "5560000001", "scheme": "0007"},
        },
        "tax_representative": {
            "name": "Tax Rep AB",
            "vat_id": "SE556000000101",
            "address": {
                "lines": ["Repgatan 2"],
                "city": "Malmö",
                "postal_code": "21111",
                "country": "SE",
            },
        },
        "delivery": {
            "party_name": "Buyer warehouse",
            "location_id": {"value": "7300010000002", "scheme": "0088"},
            "address": {
                "lines": ["Lagervägen 3"],
                "city": "Göteborg",
                "postal_code": "41111",
                "country": "SE",
            },
        },
        "delivery_date": "2026-10-30",
        "invoice_period": {"start": "2026-10-01", "end": "2026-10-31"},
        "payment": {
            "means_code": "58",
            "means_text": "SEPA credit transfer",
            "remittance_information": "INV-FULL-1",
            "accounts": [
                {
                    "account_id": "DE89370400440532013000",
                    "account_name": "Seller",
                    "service_provider_id": "COBADEFFXXX",
                },
                {"account_id": "DE02120300000000202051", "account_name": "Seller 2"},
            ],
            "card": {"account_number": "1234", "holder_name": "A Holder"},
            "direct_debit": {
                "mandate_reference": "MANDATE-1",
                "creditor_id": "DE98ZZZ09999999999",
                "debited_account_id": "SE4550000000058398257466",
            },
            "terms": "30 days net",
        },
        "supporting_documents": [
            {
                "id": "TIMESHEET-1",
                "description": "Timesheet",
                "external_uri": "https://seller.example/timesheet/1",
                "attachment": {
                    "content": "aGVsbG8gd29ybGQ=",
                    "mime_code": "text/csv",
                    "filename": "timesheet.csv",
                },
            }
        ],
        "allowances": [
            {
                "amount": "10.00",
                "base_amount": "100.00",
                "percentage": "10",
                "vat_category": "S",
                "vat_rate": "25",
                "reason": "Discount",
                "reason_code": "95",
            }
        ],
        "charges": [
            {
                "amount": "5.00",
                "vat_category": "S",
                "vat_rate": "25",
                "reason": "Freight",
                "reason_code": "FC",
            }
        ],
        "lines": [
            {
                "id": "1",
                "note": "Line note",
                "object_id": {"value": "OBJ-1", "scheme": "AAA"},
                "quantity": "10",
                "unit": "C62",
                "net_amount": "99.00",
                "order_line_reference": "PO-77-1",
                "accounting_reference": "LINE-COST",
                "period": {"start": "2026-10-01", "end": "2026-10-15"},
                "allowances": [
                    {
                        "amount": "2.00",
                        "base_amount": "100.00",
                        "percentage": "2",
                        "reason": "Line discount",
                        "reason_code": "95",
                    }
                ],
                "charges": [{"amount": "1.00", "reason": "Packing", "reason_code": "ABL"}],
                "unit_price": "10.00",
                "price_discount": "1.00",
                "gross_price": "11.00",
                "base_quantity": "1",
                "base_quantity_unit": "C62",
                "vat_category": "S",
                "vat_rate": "25",
                "name": "Widget",
                "description": "A fine widget",
                "seller_item_id": "W-1",
                "buyer_item_id": "B-W-1",
                "standard_item_id": {"value": "4012345000009", "scheme": "0160"},
                "classifications": [{"value": "43211503", "scheme": "MP", "version": "19.0501"}],
                "origin_country": "CN",
                "attributes": [{"name": "Colour", "value": "Black"}],
            },
            {
                "id": "2",
                "quantity": "1",
                "unit": "H87",
                "net_amount": "1.00",
                "unit_price": "1.00",
                "vat_category": "S",
                "vat_rate": "25",
                "name": "Sticker",
            },
        ],
        "totals": {
            "line_net_total": "100.00",
            "allowance_total": "10.00",
            "charge_total": "5.00",
            "total_without_vat": "95.00",
            "vat_total": "23.75",
            "vat_total_accounting_currency": "250.00",
            "total_with_vat": "118.75",
            "paid_amount": "18.75",
            "rounding_amount": "0.00",
            "amount_due": "100.00",
        },
        "vat_breakdown": [
            {"taxable_amount": "95.00", "vat_amount": "23.75", "category": "S", "rate": "25"}
        ],
    }


def full_invoice(*, type_code: str = "380") -> Invoice:
    """The invoice of :func:`full_invoice_data`, as a model value."""
    return Invoice.model_validate(full_invoice_data(type_code=type_code))
