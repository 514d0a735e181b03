"""Our ISO Schematron compiler: ``.sch`` rule sets to XSLT 3.0 that Saxon runs and that emits SVRL."""

from validators.schematron.compiler import (
    CompiledSchematron,
    compile_schematron,
    compiled_xslt_path,
)
from validators.schematron.errors import SchematronError

__all__ = ["CompiledSchematron", "SchematronError", "compile_schematron", "compiled_xslt_path"]
