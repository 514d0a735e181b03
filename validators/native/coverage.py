"""Which official rules run natively, and which do not (and why).

A rule is *native* when every one of its expressions runs with the meaning the
official XPath 2.0 gives it: in lxml (XPath 1.0, :mod:`validators.native.engine`)
when the expression means the same there, otherwise in the XPath 2.0 engine
(:mod:`validators.native.xpath2`: decimal arithmetic, dates, quantifiers). It is
*claimed* only because the differential test (tests/validators/native) finds the
same findings (rule id, severity, location) as the official compiled rules on
every UBL corpus document, every EN 16931 UBL unit-test fragment and thousands of
mutated documents. A rule the test catches disagreeing goes into
``OFFICIAL_ONLY`` (with the reason) and stops running here.
"""

from __future__ import annotations

# Rules whose XPath 1.0 spelling was shown to differ from the official XPath 2.0:
# they compare an element's value with a number, which the official engine casts
# to a double (XPath 1.0 number() refuses exponents such as "1E2", and the
# mutation fuzzing found BR-27 disagreeing on "-0.00"). They run in the XPath 2.0
# engine instead, which the differential test proves equal.
XPATH1_DISPROVEN: frozenset[str] = frozenset(
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

# Rules left to the official engine, by rule set, each with the reason. Empty for
# EN 16931 UBL 1.3.16: every one of its 979 assertions is proven equal.
# Peppol BIS 3.0.19 UBL (the .sch, read by validators.native.peppol): every one of its
# 156 assertions is proven equal too.
OFFICIAL_ONLY: dict[str, dict[str, str]] = {"en16931-ubl-xslt": {}, "peppol-ubl-sch": {}}

# The number of native, claimed assertions per rule set: a change means the
# artifact or the engine changed, and the claim has to be proven again.
EXPECTED_NATIVE = {"en16931-ubl-xslt": 979, "peppol-ubl-sch": 156}
