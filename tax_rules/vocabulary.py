"""Product tax classes: one shared vocabulary that every jurisdiction pack maps, by date, to a rate.

A line names what it sells (``books``, ``restaurant_catering``) and the seller's pack,
or the customer's pack when the customer's country taxes the supply, decides the rate
on the tax point date. Reforms that move one product between rates (FI books
10 % -> 14 % -> 13.5 %, LT heating 9 % -> 21 %) are one dated row in one pack, not
a change of what the ERP sends.

The rate buckets of the first packs (``standard``, ``reduced``, ``reduced_2``,
``super_reduced``, ``zero``, ``parking``, ``exempt``) stay valid classes: they name a
rate, not a product, and an ERP that used them keeps working. A pack that has no
mapping for a product class says so (with the classes it knows) rather than guess.

>>> "books" in PRODUCT_CLASSES and "reduced" in RATE_BUCKETS
True
"""

from __future__ import annotations

#: Rate buckets: a pack's rates by their rank rather than by product (the old vocabulary).
RATE_BUCKETS: dict[str, str] = {
    "standard": "the standard rate",
    "reduced": "the (first) reduced rate",
    "reduced_2": "the second reduced rate",
    "reduced_3": "the third reduced rate (such as MT 12 % from 2024)",
    "super_reduced": "the super-reduced rate (below 5 %)",
    "zero": "zero rate with the right to deduct (category Z)",
    "parking": "the parking rate (art. 118 VAT Directive)",
    "exempt": "exempt without the right to deduct (category E; needs an exemption reason)",
}

#: What is sold, in words every pack understands; each pack maps these to its rates by date.
PRODUCT_CLASSES: dict[str, str] = {
    "books": "printed books, brochures, children's picture books, printed music, maps",
    "ebooks": "books supplied electronically (art. 98(2) VAT Directive as amended 2018)",
    "press": "newspapers and periodicals, printed or electronic",
    "food": "foodstuffs for human consumption (not restaurant and catering, not alcohol)",
    "basic_food": "staple foodstuffs the national law lists (bread, milk, eggs, ...)",
    "fruit_vegetables": "fresh fruit, berries and vegetables, not processed",
    "restaurant_catering": "restaurant and catering services (food served on premises)",
    "accommodation": "short-stay hotel and holiday accommodation",
    "passenger_transport": "transport of passengers and their luggage",
    "medicines": "pharmaceutical products for medical or veterinary use",
    "medical_devices": "medical equipment and devices for the disabled",
    "childrens_clothing": "children's clothing and footwear",
    "water": "supply of water",
    "energy_heating": "district heating, firewood and heating supplies to households",
    "cultural_events": "admission to shows, concerts, museums, cinemas, exhibitions",
    "hairdressing": "hairdressing services",
}

#: Every class name a line may carry without a pack-specific extension.
SHARED_CLASSES: frozenset[str] = frozenset(RATE_BUCKETS) | frozenset(PRODUCT_CLASSES)


def describe(tax_class: str) -> str | None:
    """What a shared class means, or None for a pack-specific class.

    >>> describe("press")
    'newspapers and periodicals, printed or electronic'
    """
    return PRODUCT_CLASSES.get(tax_class) or RATE_BUCKETS.get(tax_class)
