"""UN/CEFACT Cross Industry Invoice D16B, both ways (the CEN EN 16931 CII syntax binding)."""

from schemas.cii.parse import parse, parse_document
from schemas.cii.render import render
from schemas.parsed import ParsedDocument, Unmapped

__all__ = ["ParsedDocument", "Unmapped", "parse", "parse_document", "render"]
