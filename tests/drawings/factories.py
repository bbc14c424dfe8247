"""Sheets through the real services live in the package (the bench makes them too)."""

from sheetflow.testing.drawings import DATE, as_upload, publish_sheets, sheet_pdf, upload_sheets

__all__ = ["DATE", "as_upload", "publish_sheets", "sheet_pdf", "upload_sheets"]
