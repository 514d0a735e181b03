"""OASIS UBL 2.1 Invoice and CreditNote, both ways (the CEN EN 16931 UBL syntax binding)."""

from schemas.parsed import ParsedDocument, Unmapped
from schemas.ubl.parse import parse, parse_document
from schemas.ubl.render import render

__all__ = ["ParsedDocument", "Unmapped", "parse", "parse_document", "render"]
