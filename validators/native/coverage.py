"""Which official rules run natively, and which do not (and why).

A rule is *native* when every one of its expressions runs in lxml with the
meaning the official XPath 2.0 gives it (see :mod:`validators.native.engine`),
and it is *claimed* only because the differential test
(tests/validators/native/test_differential.py) finds the same findings (rule id,
severity, location) as the official compiled rules on every UBL corpus document,
every EN 16931 UBL unit-test fragment and thousands of mutated documents. A rule
the test catches disagreeing goes into ``DISPROVEN`` and stops running here.

Everything else stays with the official engine: for the EN 16931 UBL rules
1.3.16 that is the 77 assertions doing decimal arithmetic or date comparisons
(``xs:decimal``, ``sum``, ``round``, ``xs:date``) or quantified expressions: the
BR-CO totals, the VAT category amounts (BR-S/Z/E/AE/K/G/O/L/M-02..09), BR-29/30,
BR-48, BR-53, BR-56 and UBL-SR-12/13/18; and the 11 rules in ``DISPROVEN``.
"""

from __future__ import annotations

# Rules whose native evaluation was shown to differ from the official one. These
# compare an element's value with a number: the official engine casts it to a
# double and orders -0 below 0 ("-0.00" >= 0 is false there, found by the
# mutation fuzzing: BR-27), and XPath 1.0 number() refuses exponents ("1E2").
DISPROVEN: frozenset[str] = frozenset(
    {
        "BR-27",
        "BR-28",
        "BR-S-05",
        "BR-S-06",
        "BR-S-07",
        "BR-AF-05",
        "BR-AF-06",
        "BR-AF-07",
        "BR-AG-05",
        "BR-AG-06",
        "BR-AG-07",
    }
)

# The number of native, claimed assertions for EN 16931 UBL 1.3.16: a change means
# the artifact or the engine changed, and the claim has to be proven again.
EXPECTED_NATIVE = {"en16931-ubl-xslt": 891}
