"""OCR of a title-block region with Tesseract, for pages without a usable text layer.

pytesseract runs the `tesseract` program in a child process with a timeout: a page that
hangs or crashes the OCR engine cannot take the worker with it, and no C extension has to
be built against libtesseract.
"""

from __future__ import annotations

import os
import shutil

from PIL import Image

from sheetflow.drawings.recognition.fields import Box
from sheetflow.drawings.recognition.words import PageText, Word

# Words Tesseract is less sure of than this (0-100) are noise: hatching, linework.
MIN_CONFIDENCE = 40
MAX_WORDS = 2000


class OcrUnavailable(Exception):
    """Tesseract is not installed on this machine."""


class OcrFailed(Exception):
    """Tesseract failed or ran out of time on this region."""


def available() -> bool:
    return shutil.which("tesseract") is not None


def region_text(
    image: Image.Image, region: Box, page_width: float, page_height: float, *, timeout: float
) -> PageText:
    """Words read by OCR in ``image``, a rendering of ``region`` of the page, in page points."""
    if not available():
        raise OcrUnavailable("tesseract is not installed")
    import pytesseract

    # Tesseract's OpenMP threads fight each other and the worker on a small, busy machine:
    # one thread is about three times faster there (and the worker runs one page at a time).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    px_w, px_h = image.size
    crop = image
    try:
        data = pytesseract.image_to_data(
            crop, config="--psm 11", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except (RuntimeError, pytesseract.TesseractError, OSError) as exc:
        raise OcrFailed(str(exc)) from exc
    # From the region's pixels to the page's displayed points.
    sx = (region.x1 - region.x0) * page_width / px_w
    sy = (region.y1 - region.y0) * page_height / px_h
    left, top = region.x0 * page_width / sx, region.y0 * page_height / sy
    words = []
    for i, text in enumerate(data["text"][:MAX_WORDS]):
        text = text.strip()
        if not text or float(data["conf"][i]) < MIN_CONFIDENCE:
            continue
        x0 = (left + data["left"][i]) * sx
        y0 = (top + data["top"][i]) * sy
        x1 = x0 + data["width"][i] * sx
        y1 = y0 + data["height"][i] * sy
        # Capital letters fill about 70% of the em: scale so sizes compare like font sizes.
        words.append(Word(text, x0, y0, x1, y1, (y1 - y0) / 0.7))
    return PageText(page_width, page_height, tuple(words))
