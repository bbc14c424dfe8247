"""Bad PDFs for the refusal tests, each paired with the error code it must get."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from tests.drawings.factories import sheet_pdf


def encrypted_pdf() -> bytes:
    out = io.BytesIO()
    c = Canvas(out, encrypt=StandardEncryption("secret", canPrint=0))
    c.drawString(100, 100, "A-101")
    c.showPage()
    c.save()
    return out.getvalue()


def pageless_pdf() -> bytes:
    out = io.BytesIO()
    pdfium.PdfDocument.new().save(out)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    good = sheet_pdf(["A-101"])
    return good[:200] + b"\x00garbage" * 300 + b"\n%%EOF\n"


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "not a pdf": (b"PK\x03\x04 this is a zip file, not a drawing" * 10, "not_pdf"),
    "truncated": (sheet_pdf(["A-101"])[:-600], "corrupt_pdf"),
    "corrupt": (corrupt_pdf(), "corrupt_pdf"),
    "encrypted": (encrypted_pdf(), "encrypted_pdf"),
    "zero bytes": (b"", "empty_file"),
    "no pages": (pageless_pdf(), "no_pages"),
}
