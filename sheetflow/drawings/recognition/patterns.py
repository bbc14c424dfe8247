"""Text patterns of title blocks: sheet numbers, dates, labels, and what a title is not."""

from __future__ import annotations

import re
from functools import lru_cache

# A sheet number: a discipline prefix of 1-3 letters, an optional separator, digits, an
# optional dotted/dashed part and an optional letter suffix (A-101, A101, S-2.01, FP-001,
# M101A, C100, A1.01). The look-behind lets a number glued to a date or time be found.
NUMBER_IN_TEXT_RE = re.compile(
    r"(?<![A-Z])([A-Z]{1,3}[-._]?\d{1,4}(?:[.-]\d{1,3})?[A-Z]?)(?![A-Z0-9])"
)
NUMBER_RE = re.compile(r"[A-Z]{1,3}[-._]?\d{1,4}(?:[.-]\d{1,3})?[A-Z]?")
# Document numbers of the ISO 19650 / BS 1192 kind: project-originator-zone-level-type-
# role-number (RMC-ARC-ZZ-01-DR-A-1001), taken whole.
ISO_NUMBER_RE = re.compile(r"(?=[A-Z0-9-]*\d{3,})[A-Z0-9]{2,8}(?:-[A-Z0-9]{1,8}){4,8}")

DATE_RE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]?\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AP]M)?)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AP]M)?"
    r"|(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)[A-Z]*\.? \d{1,2},? \d{4}"
    r"|\d{1,2}(?:ST|ND|RD|TH)? (?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)[A-Z]*"
    r"\.?,? \d{4}",
    re.IGNORECASE,
)
# A date (with its separator) at the end or start of a title line: `SITE PLAN - 08/08/2019`.
TRAILING_DATE_RE = re.compile(
    r"\s*[-\u2013\u2014,:|]?\s*(?:" + DATE_RE.pattern + r")\s*$", re.IGNORECASE
)
LEADING_DATE_RE = re.compile(
    r"^\s*(?:" + DATE_RE.pattern + r")\s*[-\u2013\u2014,:|]?\s*", re.IGNORECASE
)

NUMBER_LABELS = (
    "SHEET NUMBER",
    "SHEET NO",
    "SHEET #",
    "SHEET",
    "DRAWING NUMBER",
    "DRAWING NO",
    "DWG NO",
    "DWG. NO",
    "DWG #",
    "DWG",
    "DWG NUMBER",
    "DRAWING #",
    "SHT",
    "SHT NO",
    "SHEET ID",
    "NUMBER",
    "NO",
)
# Labels of numbers that are not the sheet's.
OTHER_NUMBER_LABELS = (
    "PROJECT NO",
    "PROJECT NUMBER",
    "PROJECT #",
    "PROJECT",
    "JOB NO",
    "JOB NUMBER",
    "JOB #",
    "JOB",
    "COMM NO",
    "FILE",
    "REV",
    "REVISION",
    "STATUS",
)
TITLE_LABELS = ("SHEET TITLE", "DRAWING TITLE", "DRAWING NAME", "SHEET NAME", "TITLE")

# Lines that are other title-block fields, never the sheet title.
_FIELD_WORDS = re.compile(
    r"\b(SCALE|DRAWN|CHECKED|APPROVED|DESIGNED|REVIEWED|PROJECT\s*(NO|NUMBER|#)|JOB\s*(NO|#)"
    r"|DATE|REVISIONS?|REV\b|ISSUED?|DESCRIPTION|COPYRIGHT|SEAL|KEY\s*PLAN|CONSULTANTS?"
    r"|CLIENT|OWNER|ARCHITECT|ENGINEER|CONTRACTOR|STAMP|NOT\s+FOR\s+CONSTRUCTION"
    r"|FOR\s+CONSTRUCTION|PRELIMINARY|PERMIT\s+SET|BID\s+SET|TEL|FAX|PHONE|EMAIL|SUITE"
    r"|PLOTTED|PRINTED|FILE|CAD|SHEET\s+\d+\s+OF|\d+\s+OF\s+\d+)\b"
    r"|^(TRUE |PLAN |PROJECT )?NORTH$",
    re.IGNORECASE,
)
_FIRM_WORDS = re.compile(
    r"\b(ARCHITECTS?|ARCHITECTURE|ASSOCIATES|ENGINEERING|ENGINEERS|LLC|L\.L\.C|INC|LTD|LLP"
    r"|P\.?C|GROUP|STUDIO|PARTNERS|CONSULTING|COMPANY|CORP)\b\.?",
    re.IGNORECASE,
)
_CONTACT_RE = re.compile(
    r"@|www\.|https?:|\.(com|net|org|io|co)\b|\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}", re.IGNORECASE
)
# Street addresses and "City, ST 12345" lines.
_ADDRESS_RE = re.compile(
    r"^\s*[A-Z]?\d+[A-Z]?\s+\w+.*\b(ST|STREET|AVE|AVENUE|RD|ROAD|DR|DRIVE|LN|LANE|BLVD|WAY"
    r"|CT|COURT|PL|PLACE|PKWY|HWY|HIGHWAY|SUITE|STE)\b\.?"
    r"|,\s*[A-Z]{2}\.?(\s+\d{5}(-\d{4})?)?\s*$|\b\d{5}(-\d{4})?\s*$",
    re.IGNORECASE,
)
_LABEL_VALUE_RE = re.compile(r"^[A-Za-z .#]{2,24}:\s")

# Words that sheet titles are made of: a title with one of them is far more likely than
# a project or firm name to be the sheet's title.
_TITLE_VOCABULARY = re.compile(
    r"\b(PLANS?|ELEVATIONS?|SECTIONS?|DETAILS?|SCHEDULES?|NOTES|LEGENDS?|DIAGRAMS?|RISERS?"
    r"|LAYOUTS?|COVER|INDEX|SITE|FLOOR|ROOF|FOUNDATIONS?|FRAMING|CEILING|REFLECTED|ENLARGED"
    r"|DEMOLITION|WALLS?|DOORS?|WINDOWS?|STAIRS?|ELEVATORS?|LIGHTING|POWER|PLUMBING"
    r"|MECHANICAL|ELECTRICAL|FIRE|GRADING|UTILITY|UTILITIES|LANDSCAPE|PLANTING|PARTITIONS?"
    r"|INTERIORS?|EXTERIOR|SPECIFICATIONS?|GENERAL|ABBREVIATIONS|SYMBOLS|AXONOMETRICS?"
    r"|PERSPECTIVES?|LEVEL|BASEMENT|GROUND|MEZZANINE|PARKING|FINISH(ES)?|ASSEMBLIES|TYPICAL"
    r"|DUCTWORK|PIPING|HVAC|SANITARY|DRAINAGE|EROSION|SURVEY|CODE|LIFE\s+SAFETY|EGRESS"
    r"|CASEWORK|MILLWORK|TOILET|RESTROOM|KITCHEN|DETAILS|STRUCTURAL|SLAB|BEAM|COLUMN)\b",
    re.IGNORECASE,
)


def norm(text: str) -> str:
    """Upper case, single spaces (how fields and labels are compared)."""
    return " ".join(text.upper().split())


@lru_cache(maxsize=8)
def _label_set(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(label.replace(".", "") for label in labels)


def is_label(text: str, labels: tuple[str, ...]) -> bool:
    if len(text) > 20:
        return False
    upper = norm(text).rstrip(":.").replace(".", "").strip()
    return upper in _label_set(labels)


@lru_cache(maxsize=4096)
def strip_dates(text: str) -> tuple[str, bool]:
    """The title without a date glued before or after it; True when one was removed."""
    stripped = TRAILING_DATE_RE.sub("", text)
    stripped = LEADING_DATE_RE.sub("", stripped)
    stripped = stripped.strip(" -\u2013\u2014,:|")
    return stripped, stripped != text.strip()


@lru_cache(maxsize=4096)
def not_a_title(text: str) -> bool:
    """True for lines that are another title-block field (firm, address, date, scale…)."""
    upper = norm(text)
    letters = sum(ch.isalpha() for ch in upper)
    if letters < 3 or letters < len(upper.replace(" ", "")) * 0.5:
        return True
    if is_label(upper, NUMBER_LABELS + TITLE_LABELS):
        return True
    if _LABEL_VALUE_RE.match(text) and not _TITLE_VOCABULARY.search(text):
        return True
    return bool(
        _FIELD_WORDS.search(upper)
        or _FIRM_WORDS.search(upper)
        or _CONTACT_RE.search(upper)
        or _ADDRESS_RE.search(upper)
    )


def title_words(text: str) -> bool:
    return bool(_TITLE_VOCABULARY.search(text))


def clean_number(value: str) -> str:
    return value.strip().upper().replace("_", "-")


# A label written on the same line as its value ("DRAWING TITLE: FIRST FLOOR PLAN",
# "SHEET NO. A-101"). Bare "TITLE" and "SHEET" need a colon: "TITLE SHEET" and
# "SHEET METAL DETAILS" are titles.
_INLINE_TITLE_RE = re.compile(
    r"^(?:(?:SHEET|DRAWING|DWG\.?|DRG\.?)\s*(?:TITLE|NAME)|TITLE)\s*:\s*(?=\S)"
    r"|^(?:SHEET|DRAWING|DWG\.?|DRG\.?)\s*(?:TITLE|NAME)\s*[-.\u2013]?\s+(?=\S)",
    re.IGNORECASE,
)
_INLINE_NUMBER_RE = re.compile(
    r"^(?:(?:SHEET|DRAWING|DWG|DRG|SHT)\.?\s*(?:NUMBER|NO\.?|#|ID)|SHEET|DRAWING|DWG|SHT)"
    r"\s*[:.#]?\s*$",
    re.IGNORECASE,
)


def inline_title(text: str) -> tuple[str, int] | None:
    """(value, characters of label) when the line starts with a title label."""
    match = _INLINE_TITLE_RE.match(text)
    if match is None:
        return None
    return text[match.end() :].strip(), match.end()


def number_label_prefix(words: list[str]) -> bool:
    """True when the words before a number on its line are a sheet-number label."""
    return bool(words) and len(words) <= 3 and bool(_INLINE_NUMBER_RE.match(" ".join(words)))


def other_label_prefix(words: list[str]) -> bool:
    """True when the words before a number label it as a project, job or revision number."""
    return bool(words) and len(words) <= 3 and is_label(" ".join(words), OTHER_NUMBER_LABELS)


# A discipline prefix drawn apart from its digits: "A", "FP", "A-", "S.".
PREFIX_RE = re.compile(r"[A-Z]{1,2}[-.]?")


def explicit_label(words: list[str]) -> bool:
    """A number label that says so ("SHEET NO:", "DWG #"), not a bare "SHEET" or "DWG"."""
    text = " ".join(words).upper()
    return ":" in text or "#" in text or bool(re.search(r"\b(NO|NUMBER|ID)\b", text))
