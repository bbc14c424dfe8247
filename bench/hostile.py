"""Hostile PDFs, written by hand: small files that ask a PDF library for unbounded work.

Used by the tests (every one must be refused or rendered within the PDF budget) and by the
benchmark (memory and seconds of the whole corpus).
"""

from __future__ import annotations

import functools
import zlib

_MB = 1024 * 1024


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF whose object n+1 is ``objects[n]``; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, deflated: bool = False) -> bytes:
    flate = b" /Filter /FlateDecode" if deflated else b""
    return b"<< /Length %d%s %s >>\nstream\n" % (len(data), flate, extra) + data + b"\nendstream"


@functools.cache
def _deflated(unit: bytes, total: int) -> bytes:
    """``unit`` repeated to ``total`` bytes, compressed in chunks (never whole in memory)."""
    z = zlib.compressobj(1)  # fast; the files stay around 1 MB
    chunk = unit * (_MB // len(unit))
    parts = [z.compress(chunk) for _ in range(total // len(chunk))]
    parts.append(z.flush())
    return b"".join(parts)


_TEXT = b"BT /F1 24 Tf 40 40 Td (A-101) Tj ET\n0 0 m 100 100 l S\n"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pages_pdf(sizes: list[tuple[float, float]], content: bytes = _TEXT) -> bytes:
    """One page per (width, height) in points, all drawing the same content stream."""
    count = len(sizes)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        stream(content),
        _FONT,
    ]
    for width, height in sizes:
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>" % (width, height)
        )
    return build_pdf(objects)


def tall_narrow(width: float) -> bytes:
    """A page ``width`` points wide and 14,400 tall (the largest PDF page allows)."""
    return pages_pdf([(width, 14400)])


def huge_square() -> bytes:
    return pages_pdf([(14400, 14400)])


def bomb(pages: int = 1, inflated_mb: int = 256) -> bytes:
    """Pages sharing one content stream that inflates to ``inflated_mb`` MB of drawing operators."""
    data = _deflated(b"0 0 m 100 100 l S\n", inflated_mb * _MB)
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        stream(data, deflated=True),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages
    return build_pdf(objects)


def deep_tree(depth: int = 20_000) -> bytes:
    """One page under ``depth`` nested page-tree nodes (recursive parsers overflow their stack)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    leaf_parent = 1 + depth
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>"
        % (leaf_parent, depth + 3)
    )
    objects.append(stream(b"0 0 m 100 100 l S\n"))
    return build_pdf(objects)


def tiny_pages(count: int = 3000) -> bytes:
    return pages_pdf([(72, 72)] * count)


def huge_image(side: int = 16_000) -> bytes:
    """A page drawing one ``side`` x ``side`` grey image (``side``² bytes once decoded)."""
    image = _deflated(b"\x80" * 1024, side * side)
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        stream(content),
        stream(
            image,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d "
            b"/ColorSpace /DeviceGray /BitsPerComponent 8" % (side, side),
            deflated=True,
        ),
    ]
    return build_pdf(objects)


def corpus() -> dict[str, bytes]:
    """Every hostile file by name."""
    files = {f"tall-{w}pt.pdf": tall_narrow(w) for w in (100, 250, 500, 1000)}
    files["square-14400pt.pdf"] = huge_square()
    files["bomb.pdf"] = bomb()
    files["bomb-8-pages.pdf"] = bomb(pages=8)
    files["deep-tree.pdf"] = deep_tree()
    files["3000-pages.pdf"] = tiny_pages()
    files["huge-image.pdf"] = huge_image()
    return files
