"""Recognition of sheet number and title from a page's text layer (and OCR in the worker).

Entry points take plain data (a PageText of words with displayed boxes) or a pdfium page,
so they run wherever the PDF work runs.
"""

from sheetflow.drawings.recognition.consensus import duplicates, layout_of, recognize_set
from sheetflow.drawings.recognition.fields import (
    FILE_NAME,
    LABEL,
    LEARNED,
    LOW_CONFIDENCE,
    OCR,
    TITLE_BLOCK,
    Box,
    Field,
    Layout,
    PageResult,
    recognize_page,
)
from sheetflow.drawings.recognition.words import MAX_CHARS, PageText, Word, page_text

__all__ = [
    "FILE_NAME",
    "LABEL",
    "LEARNED",
    "LOW_CONFIDENCE",
    "MAX_CHARS",
    "OCR",
    "TITLE_BLOCK",
    "Box",
    "Field",
    "Layout",
    "PageResult",
    "PageText",
    "Word",
    "duplicates",
    "layout_of",
    "page_text",
    "recognize_page",
    "recognize_set",
]
