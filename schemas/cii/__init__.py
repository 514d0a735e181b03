"""UN/CEFACT Cross Industry Invoice D16B, both ways (the CEN EN 16931 CII syntax binding)."""

from schemas.cii.document import detect as detect
from schemas.cii.document import parse as parse
from schemas.cii.document import parse_document as parse_document
from schemas.cii.document import parse_tree as parse_tree
from schemas.cii.document import render as render
from schemas.cii.document import render_with_report as render_with_report
from schemas.parsed import ParsedDocument as ParsedDocument
from schemas.parsed import Unmapped as Unmapped
from schemas.rendered import Dropped as Dropped
from schemas.rendered import Rendered as Rendered
