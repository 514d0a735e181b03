"""Sweden: what the Swedish national rules of Peppol BIS Billing 3.0 ask of a Swedish seller."""

from __future__ import annotations

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.se import orgnr

from schemas.model import InvoiceDraft
from tax_rules.errors import Problem

#: SE-R-005: the seller's tax registration id (BT-32) may only hold this text, so an
#: invoice not subject to VAT cannot carry the VAT id there (see tax_rules.engine).
TAX_REGISTRATION_TEXT = "Godkänd för F-skatt"


def peppol_requirements(draft: InvoiceDraft) -> list[Problem]:
    """What a Swedish seller's draft lacks for the Swedish Peppol rules.

    SE-R-003/004/013: the organisation number (BT-30) is 10 digits, Luhn-valid;
    SE-R-005: a tax registration id (BT-32) says 'Godkänd för F-skatt'.
    """
    found: list[Problem] = []
    legal = draft.seller.legal_id
    if legal is not None:
        try:
            orgnr.validate(legal.value)
        except ValidationError as exc:
            # The rule the official Schematron would name: length, digits, then the check digit.
            rules: dict[type[ValidationError], str] = {
                InvalidLength: "SE-R-004",
                InvalidFormat: "SE-R-003",
            }
            rule = rules.get(type(exc), "SE-R-013")
            found.append(
                Problem(
                    field="seller.legal_id",
                    message=f"a Swedish organisation number is 10 digits with a Luhn check digit: {exc}",
                    rule=rule,
                    value=legal.value,
                )
            )
        registration = draft.seller.tax_registration_id
        if registration and registration.upper() != TAX_REGISTRATION_TEXT.upper():
            found.append(
                Problem(
                    field="seller.tax_registration_id",
                    message=f"a Swedish seller's tax registration id (BT-32) is the text '{TAX_REGISTRATION_TEXT}'",
                    rule="SE-R-005",
                    value=registration,
                )
            )
    return found
