"""OASIS UBL 2.1 Invoice and CreditNote, both ways (the CEN EN 16931 UBL syntax binding)."""

from schemas.parsed import ParsedDocument as ParsedDocument
from schemas.parsed import Unmapped as Unmapped
from schemas.rendered import Dropped as Dropped
from schemas.rendered import Rendered as Rendered
from schemas.ubl.document import detect as detect
from schemas.ubl.document import parse as parse
from schemas.ubl.document import parse_document as parse_document
from schemas.ubl.document import parse_tree as parse_tree
from schemas.ubl.document import render as render
from schemas.ubl.document import render_with_report as render_with_report
