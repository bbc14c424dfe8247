"""HTTP helpers shared by pages and the API."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def safe_filename(name: str) -> str:
    """A file name with no path separators or control characters (they would cut it short)."""
    cleaned = "".join(
        "-" if ch in "/\\" else ("_" if unicodedata.category(ch)[0] == "C" else ch) for ch in name
    )
    return cleaned.strip(" .") or "file"


def content_disposition(filename: str, *, attachment: bool) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact UTF-8 `filename*`."""
    name = safe_filename(filename)
    fallback = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or "file"
    )
    fallback = fallback.replace("\\", "_").replace('"', "_")
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
