"""Place of supply: which country taxes a line, or which zero/out-of-scope category it gets.

VAT Directive 2006/112/EC articles in brackets; the seller's pack is ``seller``.

Goods (decided from where they go: ``goods_dispatched_to``, else the deliver-to
country BT-80, else the buyer's country):

* staying in the seller's country: domestic, whoever the buyer is;
* to another member state, buyer identified for VAT in another member state than the
  seller's: intra-community supply K (art. 138);
* to a consumer in another member state: distance sale (arts. 33(a), 59c), taxed by the
  customer's country when the seller is over the EUR 10,000 threshold or registered
  under the OSS, else by the seller's;
* leaving the EU VAT territory (third countries and areas such as the Canary Islands,
  from the postcode): export G (art. 146); exports need a stated delivery country.

Services:

* immovable property, passenger transport, event admission, restaurant and catering,
  short-term hire of means of transport (arts. 47, 48, 53/54, 55, 56(1)): taxed where
  performed (``place_of_performance``), for businesses and consumers alike;
* general and electronic services to a business (art. 44): reverse charge AE in another
  member state, not subject O (VATEX-EU-O) outside the EU, domestic at home;
* general services to a consumer (art. 45): the seller's country, wherever the consumer is;
* electronic services to a consumer (art. 58): the customer's member state (under the
  threshold rule as for distance sales); outside the EU O (art. 59).

Sellers outside the EU (GB, CH, NO packs) use their own exemption texts: goods leaving
the country are exports (G); services to businesses abroad get the category and text
their pack states; electronic services to EU consumers are taxed by the customer's
member state (no threshold for non-EU sellers).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from schemas.model import InvoiceDraft, TaxContext
from tax_rules.category import VATEX_TEXT, Treatment
from tax_rules.errors import Problem, TaxRuleError
from tax_rules.pack import Pack, find, vat_id_route

ZERO = Decimal("0")

#: Service kinds taxed where they are performed, with the article that says so.
PERFORMED_THERE = {
    "immovable_property": "art. 47",
    "passenger_transport": "art. 48",
    "event_admission": "arts. 53, 54",
    "restaurant_catering": "art. 55",
    "short_term_hire": "art. 56(1)",
}


@dataclass(frozen=True)
class Place:
    """A country as VAT sees it: its pack (if any) and whether it lies in the EU VAT territory."""

    country: str
    pack: Pack | None
    in_eu: bool
    territory: str | None = None

    def describe(self) -> str:
        """The country, and the area outside the VAT territory when there is one."""
        return f"{self.country} ({self.territory})" if self.territory else self.country


def place(country: str, postal_code: str | None = None) -> Place:
    """Where a country and postcode lie for VAT: EU VAT territory or third territory.

    >>> place("ES", "35001").in_eu, place("ES", "28001").in_eu, place("US").in_eu
    (False, True, False)
    """
    pack = find(country)
    if pack is None:
        return Place(country, None, False)
    area = pack.territory(postal_code)
    if area is not None:
        return Place(country, pack, False, area.name)
    return Place(country, pack, pack.is_eu)


@dataclass(frozen=True)
class Taxation:
    """How one line is taxed: a fixed treatment, or the pack whose classes and rates apply."""

    pack: Pack
    fixed: Treatment | None
    why: str
    note: str | None = None


def _home(seller: Pack, why: str) -> Taxation:
    return Taxation(seller, None, why)


def _fixed(seller: Pack, category: str, why: str, *, export: bool = False) -> Taxation:
    texts = seller.exemption_texts
    code: str | None
    if seller.is_eu or texts is None:
        code, text = VATEX_TEXT[category]
    elif export:
        code, text = texts.export_code, texts.export
    else:
        code, text = texts.outside_scope_code, texts.outside_scope
    return Taxation(
        seller, Treatment(category, None if category == "O" else ZERO, code, text, why), why
    )


def _eu_vat_country(vat_id: str | None) -> str | None:
    """The member state a VAT id was issued by (XI: Northern Ireland, EU rules for goods), or None."""
    found = vat_id_route(vat_id) if vat_id else None
    if found is None:
        return None
    pack, route = found
    return pack.country if pack.is_eu or route.prefix == "XI" else None


def destination_taxed(seller: Pack, context: TaxContext) -> bool:
    """Whether distance sales and electronic services to EU consumers are taxed by the customer's country."""
    return (not seller.is_eu) or context.oss or context.eu_distance_sales_over_threshold


def decide(
    draft: InvoiceDraft,
    seller: Pack,
    *,
    field: str,
    kind: str | None,
    performed_in: str | None,
    context: TaxContext,
) -> Taxation:
    """The place of supply of one line (or document allowance/charge) and what follows from it.

    Args:
        draft: The draft (parties, delivery, supply type).
        seller: The seller's pack.
        field: The line's path, for problems.
        kind: The service kind (the line's or the draft's), None for goods of a goods draft.
        performed_in: The place of performance (the line's or the draft's).
        context: The distance-selling status (draft's, else the tenant's).

    Raises:
        TaxRuleError: An export without a delivery country, a service taxed where it is
            performed without a place of performance, or a seller outside the VAT territory.
    """
    home = seller.country
    seller_place = place(home, draft.seller.address.postal_code)
    if seller_place.territory:
        raise TaxRuleError(
            [
                Problem(
                    field="seller.address.postal_code",
                    message=f"the seller is in {seller_place.territory}, outside the EU VAT territory; "
                    "its local indirect tax is not covered by the gateway's packs",
                    rule="tax.seller-outside-vat-territory",
                    value=draft.seller.address.postal_code,
                )
            ]
        )
    buyer = draft.buyer
    buyer_place = place(buyer.address.country, buyer.address.postal_code)
    buyer_vat_country = _eu_vat_country(buyer.vat_id)
    is_service = kind is not None or draft.supply_type == "services"
    if not is_service:
        return _goods(
            draft, seller, field=field, context=context, buyer_vat_country=buyer_vat_country
        )
    kind = kind or "general"
    if kind in PERFORMED_THERE:
        article = PERFORMED_THERE[kind]
        if performed_in is None and buyer_place.country != home:
            raise TaxRuleError(
                [
                    Problem(
                        field=f"{field}.place_of_performance",
                        message=f"{kind.replace('_', ' ')} services are taxed where they are performed "
                        f"({article} VAT Directive): give place_of_performance (a country code)",
                        rule="tax.place-of-performance-missing",
                    )
                ]
            )
        there = place(performed_in or home)
        if there.country == home:
            return _home(seller, f"{kind} performed in {home} ({article})")
        if not seller.is_eu or not there.in_eu:
            return _fixed(
                seller,
                "O",
                f"{kind} performed in {there.describe()}, outside {home}'s VAT ({article})",
            )
        assert there.pack is not None
        return Taxation(
            there.pack,
            None,
            f"{kind} performed in {there.country}: taxed there ({article})",
            note=f"the seller accounts for {there.country} VAT there (registered in {there.country}), "
            f"unless {there.country} shifts it to the buyer (art. 194)",
        )
    business = not buyer.is_natural_person and bool(
        buyer.vat_id or (not buyer_place.in_eu and (buyer.legal_id or buyer.identifiers))
    )
    if business:
        if buyer_place.country == home and buyer_place.in_eu == seller.is_eu:
            return _home(seller, f"services to a business in {home}")
        if not seller.is_eu:
            texts = seller.exemption_texts
            category = texts.services_abroad if texts else "O"
            return _fixed(seller, category, f"services to a business in {buyer_place.describe()}")
        if buyer_place.in_eu:
            if buyer_vat_country == home:
                return _home(seller, f"services to a business identified for VAT in {home}")
            return _fixed(
                seller, "AE", f"services to a business in {buyer_place.country} (art. 44, 196)"
            )
        return _fixed(
            seller,
            "O",
            f"services to a business in {buyer_place.describe()}, outside the EU (art. 44)",
        )
    if kind == "electronic" and buyer_place.country != home:
        if buyer_place.in_eu and destination_taxed(seller, context):
            assert buyer_place.pack is not None
            return Taxation(
                buyer_place.pack,
                None,
                f"electronic services to a consumer in {buyer_place.country} (art. 58): taxed there"
                + (" (OSS)" if seller.is_eu else " (non-Union OSS)"),
            )
        if seller.is_eu and not buyer_place.in_eu:
            return _fixed(
                seller,
                "O",
                f"electronic services to a consumer in {buyer_place.describe()} (art. 59)",
            )
        if seller.is_eu and buyer_place.in_eu:
            return _home(
                seller,
                f"electronic services to a consumer in {buyer_place.country}, under the threshold (art. 59c)",
            )
        return _home(seller, f"electronic services to a consumer in {buyer_place.country}")
    return _home(seller, "services to a consumer: taxed where the seller is established (art. 45)")


def _goods(
    draft: InvoiceDraft,
    seller: Pack,
    *,
    field: str,
    context: TaxContext,
    buyer_vat_country: str | None,
) -> Taxation:
    home = seller.country
    delivery = draft.delivery.address if draft.delivery and draft.delivery.address else None
    if draft.goods_dispatched_to:
        postcode = (
            delivery.postal_code
            if delivery and delivery.country == draft.goods_dispatched_to
            else None
        )
        to, stated = place(draft.goods_dispatched_to, postcode), True
    elif delivery is not None:
        to, stated = place(delivery.country, delivery.postal_code), True
    else:
        to, stated = place(draft.buyer.address.country, draft.buyer.address.postal_code), False
    if to.country == home and to.territory is None:
        return _home(seller, f"goods delivered in {home}")
    if not seller.is_eu or not to.in_eu:
        if not stated:
            raise TaxRuleError(
                [
                    Problem(
                        field="delivery.address.country",
                        message=f"goods sold to a buyer in {to.describe()} are an export (G) only when they "
                        "leave the country: give the deliver-to country (BT-80) or goods_dispatched_to",
                        rule="tax.export-needs-delivery-country",
                    )
                ]
            )
        return _fixed(seller, "G", f"goods from {home} to {to.describe()} (art. 146)", export=True)
    buyer = draft.buyer
    if buyer.vat_id and not buyer.is_natural_person and buyer_vat_country is not None:
        # Art. 138: the buyer is identified for VAT in a member state other than departure.
        if buyer_vat_country != home:
            return _fixed(
                seller, "K", f"goods from {home} to a business in {to.country} (art. 138)"
            )
        return _home(
            seller,
            f"goods to {to.country} for a buyer identified for VAT in {home} only: no exempt intra-community supply",
        )
    if destination_taxed(seller, context):
        assert to.pack is not None
        return Taxation(
            to.pack, None, f"distance sale of goods to a consumer in {to.country} (art. 33(a), OSS)"
        )
    return _home(
        seller,
        f"distance sale of goods to a consumer in {to.country} under the EUR 10,000 threshold (art. 59c)",
    )
