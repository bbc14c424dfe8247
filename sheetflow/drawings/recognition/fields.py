"""Number and title of one page from its words: candidates scored, not "the longest line"."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from sheetflow.drawings.recognition import patterns as p
from sheetflow.drawings.recognition.lines import Line, lines_of
from sheetflow.drawings.recognition.turn import Turn
from sheetflow.drawings.recognition.words import PageText, Word

# Where a field came from (shown on the review page).
TITLE_BLOCK = "title_block"
LABEL = "label"
OCR = "ocr"
FILE_NAME = "file_name"
LEARNED = "layout"

LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Box:
    """A box as fractions of the displayed page (0..1, top-left origin)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def as_list(self) -> list[float]:
        return [round(self.x0, 4), round(self.y0, 4), round(self.x1, 4), round(self.y1, 4)]


@dataclass(frozen=True)
class Field:
    """A recognised value with its confidence (0..1), its source and where it was read."""

    value: str
    confidence: float
    source: str
    box: Box | None = None

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class Layout:
    """What the pages of a set (or a project's earlier uploads) say about the title block."""

    number_at: tuple[float, float] | None = None  # relative centre of the number
    title_at: tuple[float, float] | None = None  # relative centre of the title
    repeated: frozenset[str] = frozenset()  # lines on most pages: project name, firm…
    learned: bool = False  # from an uploader's correction rather than the set itself


@dataclass
class PageResult:
    """Recognised number and title of one page, with the evidence for the review."""

    number: Field | None
    title: Field | None
    block: Box | None = None  # region to crop for the review
    lines: list[tuple[str, Box, float]] = field(default_factory=list)


@dataclass
class _Candidate:
    value: str
    line: Line
    word: Word
    score: float
    labelled: bool = False
    used: tuple[Word, ...] = ()  # the line's words that are the number and its label


# A sheet full of "NO." notes would otherwise make every candidate test hundreds of labels.
MAX_LABELS = 40


def _labels(lines: list[Line], labels: tuple[str, ...]) -> list[Line]:
    return [ln for ln in lines if p.is_label(ln.text, labels)][:MAX_LABELS]


def _corner(cx: float, cy: float, width: float, height: float) -> float:
    """1 at the bottom-right corner, falling to 0 at about the middle of the page."""
    d = math.hypot((width - cx) / width, (height - cy) / height)
    return max(0.0, 1.0 - d / 0.75)


def _near_label(word_or_line: Word | Line, labels: list[Line], size: float) -> bool:
    """A label just above, or just left of, on the same row."""
    for label in labels:
        above = (
            0 <= word_or_line.y0 - label.y1 <= 3.5 * size
            and label.x0 - 2 * size <= word_or_line.x0 <= label.x1 + 2 * size
        )
        left = (
            abs((label.y0 + label.y1) / 2 - (word_or_line.y0 + word_or_line.y1) / 2) <= size
            and 0 <= word_or_line.x0 - label.x1 <= 8 * size
        )
        if above or left:
            return True
    return False


def _numbers_in(upper: str) -> list[tuple[str, str]]:
    """(number, the rest of the word) for each sheet number a word holds."""
    if p.ISO_NUMBER_RE.fullmatch(upper):
        return [(upper, "")]
    out = []
    for match in p.NUMBER_IN_TEXT_RE.finditer(upper):
        value = match.group(1)
        if any(ch.isdigit() for ch in value):
            rest = (upper[: match.start()] + upper[match.end() :]).strip("-_.:|/ ")
            out.append((value, rest))
    return out


def _label_words(before: list[str]) -> int:
    """How many of the last words before a number are its label (0: none)."""
    if p.number_label_prefix(before):
        return len(before)
    for k in (3, 2, 1):
        tail = before[-k:]
        # After other text only an explicit label counts ("SHEET NO:", not "SEE DWG").
        if len(before) > k and p.number_label_prefix(tail) and p.explicit_label(tail):
            return k
    return 0


def _spans(line: Line, typical: float) -> list[tuple[int, int, Word]]:
    """(first index, last index, word) of each word, and of a big prefix and digits drawn
    apart ("A" "101", "A-" "101") taken together."""
    out = [(i, i, w) for i, w in enumerate(line.words)]
    for i, (a, b) in enumerate(pairwise(line.words)):
        em = max(a.size, b.size, 1.0)
        if (
            p.PREFIX_RE.fullmatch(a.text)
            and b.text[:1].isdigit()
            and abs(a.size - b.size) <= 0.1 * em
            and b.x0 - a.x1 <= 0.6 * em
            and a.size >= 1.4 * typical
        ):
            joined = Word(a.text + b.text, a.x0, min(a.y0, b.y0), b.x1, max(a.y1, b.y1), em)
            out.append((i, i + 1, joined))
    return out


def number_candidates(
    text: PageText,
    lines: list[Line],
    layout: Layout,
    corner: Callable[[float, float], float] | None = None,
) -> list[_Candidate]:
    sizes = sorted(w.size for w in text.words if w.horizontal)
    big = sizes[int(len(sizes) * 0.98)] if sizes else 1.0
    typical = sizes[len(sizes) // 2] if sizes else 1.0
    labels = _labels(lines, p.NUMBER_LABELS)
    other_labels = _labels(lines, p.OTHER_NUMBER_LABELS)
    corner = corner or (lambda x, y: _corner(x, y, text.width, text.height))
    out = []
    for line in lines:
        for start, index, word in _spans(line, typical):
            upper = word.text.upper()
            for value, rest in _numbers_in(upper):
                score = 3.0 * min(1.0, word.size / big)
                near_corner = corner(word.cx, word.cy)
                score += 2.5 * near_corner
                if rest and not p.DATE_RE.fullmatch(rest):
                    score -= 1.5  # part of some other token (W12X26, 2X4…)
                # "SHEET NO: A-101" on one line: the words before are the number's label.
                before = [w.text for w in line.words[:start]]
                label = _label_words(before) if index == len(line.words) - 1 else 0
                # Small and far from any title block, "DWG A-501" is a note, not the sheet's.
                inline = label > 0 and (near_corner >= 0.2 or word.size >= 1.4 * typical)
                used = line.words[start - label if inline else start : index + 1]
                others = [w for w in line.words if w not in used]
                if not others or inline:
                    score += 1.0
                elif len(others) >= 2:
                    score -= 1.0  # inside a sentence or an address
                labelled = inline or _near_label(word, labels, word.size)
                if labelled:
                    score += 1.5
                elif p.other_label_prefix(before) or _near_label(word, other_labels, word.size):
                    score -= 2.5  # a project or job number, not the sheet's
                elif word.size < 1.4 * typical:
                    score -= 3.0  # sheet numbers stand out; callouts and notes do not
                if value[0] in "ACEFGILMPSTD":
                    score += 0.3
                if layout.number_at is not None:
                    d = math.hypot(
                        word.cx / text.width - layout.number_at[0],
                        word.cy / text.height - layout.number_at[1],
                    )
                    score += 3.0 if d < 0.03 else (1.0 if d < 0.08 else -1.0)
                out.append(
                    _Candidate(p.clean_number(value), line, word, score, labelled, tuple(used))
                )
    out.sort(key=lambda c: c.score, reverse=True)
    return out


def _confidence(best: float, second: float | None, top: float) -> float:
    margin = best - (second if second is not None else best - 2.0)
    strength = max(0.0, min(1.0, best / top))
    return round(max(0.05, min(0.99, 0.35 * strength + 0.65 * min(1.0, margin / 1.5))), 2)


def title_for(
    text: PageText, lines: list[Line], number: _Candidate | None, layout: Layout
) -> tuple[str, float, Line | None, list[Line], bool]:
    """(title, score margin, best line, joined lines, labelled) near the number."""
    anchor_x = number.word.cx if number else text.width * 0.9
    anchor_y = number.word.cy if number else text.height * 0.9
    anchor_size = number.word.size if number else max((w.size for w in text.words), default=10)
    reach = 0.4 * max(text.width, text.height)
    labels = _labels(lines, p.TITLE_LABELS)
    scored: list[tuple[float, Line, str, bool, bool]] = []
    starts: dict[int, float] = {}  # where the value starts on lines with an inline label
    for line in lines:
        if number is not None and line is number.line and len(line.words) == 1:
            continue
        raw = line.text
        if number is not None and line is number.line:
            used = number.used or (number.word,)
            raw = " ".join(w.text for w in line.words if w not in used)
            if not raw:
                continue
        inline = p.inline_title(raw)
        if inline is not None:
            # "DRAWING TITLE: FIRST FLOOR PLAN": the label is evidence, not part of the title.
            raw = inline[0]
            starts[id(line)] = _value_x0(line, inline[1])
        cleaned, had_date = p.strip_dates(raw)
        if not cleaned or p.not_a_title(cleaned):
            continue
        if p.NUMBER_RE.fullmatch(cleaned.upper().replace(" ", "")):
            continue
        dx = max(0.0, line.x0 - anchor_x, anchor_x - line.x1)
        dy = max(0.0, line.y0 - anchor_y, anchor_y - line.y1)
        # A bottom strip spreads its fields along one band: far left of the number is
        # still the title block when it is on the number's band.
        band = dy <= 3 * anchor_size
        distance = math.hypot(dx * (0.35 if band else 1.0), dy)
        if distance > reach:
            continue
        labelled = inline is not None or _near_label(line, labels, line.size)
        score = 2.0 / (1.0 + distance / (4 * anchor_size))
        score += 1.5 * min(1.0, line.size / max(anchor_size, 1.0))
        score += 1.5 if p.title_words(cleaned) else 0.0
        score += 2.0 if labelled else 0.0
        score += 0.3 if had_date else 0.0
        if p.norm(cleaned) in layout.repeated:
            score -= 3.0
        if layout.title_at is not None:
            d = math.hypot(
                (line.x0 + line.x1) / 2 / text.width - layout.title_at[0],
                (line.y0 + line.y1) / 2 / text.height - layout.title_at[1],
            )
            score += 2.0 if d < 0.04 else 0.0
        if line.size < 0.35 * anchor_size and not labelled:
            score -= 1.0
        scored.append((score, line, cleaned, had_date, labelled))
    if not scored:
        return "", 0.0, None, [], False
    scored.sort(key=lambda s: s[0], reverse=True)
    best_score, best, cleaned, had_date, labelled = scored[0]
    joined = [best]
    if not had_date:
        joined = _wrapped(
            best, lines, {id(s[1]): s[2] for s in scored}, layout, number, starts.get(id(best))
        )
    rivals = [s[0] for s in scored[1:] if s[1] not in joined]
    margin = best_score - (rivals[0] if rivals else best_score - 2.0)
    parts = []
    for line in joined:
        if line is best:
            parts.append(cleaned)
        else:
            parts.append(p.strip_dates(line.text)[0])
    return " ".join(parts), margin, best, joined, labelled


def _value_x0(line: Line, label_chars: int) -> float:
    """The left edge of the first word after an inline label of ``label_chars`` characters."""
    offset = 0
    for word in line.words:
        if offset >= label_chars:
            return word.x0
        offset += len(word.text) + 1
    return line.x0


def _wrapped(
    best: Line,
    lines: list[Line],
    allowed: dict[int, str],
    layout: Layout,
    number: _Candidate | None,
    start: float | None = None,
) -> list[Line]:
    """The best title line and the lines it wraps over (same size, aligned, tight)."""
    block = [best]

    def fits(line: Line, neighbour: Line, below: bool) -> bool:
        if id(line) not in allowed or line in block:
            return False
        if number is not None and line is number.line:
            return False
        if p.norm(allowed[id(line)]) in layout.repeated:
            return False
        size = neighbour.size
        if abs(line.size - size) > 0.15 * size:
            return False
        gap = line.y0 - neighbour.y1 if below else neighbour.y0 - line.y1
        if not -0.1 * size <= gap <= 0.7 * size:
            return False
        x0 = start if neighbour is best and start is not None else neighbour.x0
        aligned_left = abs(line.x0 - x0) <= 1.5 * size or abs(line.x0 - neighbour.x0) <= 1.5 * size
        centred = abs((line.x0 + line.x1) - (neighbour.x0 + neighbour.x1)) / 2 <= 1.5 * size
        return aligned_left or centred

    for _ in range(2):
        below = [ln for ln in lines if fits(ln, block[-1], True)]
        above = [ln for ln in lines if fits(ln, block[0], False)]
        if below:
            block.append(min(below, key=lambda ln: ln.y0))
        elif above:
            block.insert(0, max(above, key=lambda ln: ln.y1))
        else:
            break
    return block


def recognize_page(
    text: PageText, layout: Layout | None = None, lines: list[Line] | None = None
) -> PageResult:
    """Number and title of one page (fields None when nothing fits)."""
    layout = layout or Layout()
    lines = lines if lines is not None else lines_of(text)
    result, best = _recognize(text, layout, lines, None)
    if not Turn.worth_trying(text):
        return result
    # Title blocks drawn up the side of the sheet (a narrow strip whose firm, title and number
    # read bottom to top, with no /Rotate): the same reading in the turned frame, kept when
    # it finds a stronger number than the horizontal text does.
    turn = Turn(text)
    turned_layout = Layout(
        number_at=turn.fraction(layout.number_at),
        title_at=turn.fraction(layout.title_at),
        repeated=layout.repeated,
        learned=layout.learned,
    )
    other, rival = _recognize(turn.text, turned_layout, lines_of(turn.text), turn)
    if rival is not None and (
        best is None or (rival.score > best.score + 0.5 and rival.word.size >= best.word.size)
    ):
        return other
    return result


def _recognize(
    text: PageText, layout: Layout, lines: list[Line], turn: Turn | None
) -> tuple[PageResult, _Candidate | None]:
    """Number and title read in one frame (the displayed page, or the page turned)."""
    # Boxes are reported on the displayed page whatever the frame.
    disp_w, disp_h = (turn.w, turn.h) if turn is not None else (text.width, text.height)
    w, h = disp_w or 1.0, disp_h or 1.0

    def to_box(extent: tuple[float, float, float, float]) -> Box:
        if turn is not None:
            extent = turn.back(extent)
        return Box(extent[0] / w, extent[1] / h, extent[2] / w, extent[3] / h)

    def corner(x: float, y: float) -> float:
        if turn is not None:
            x, y = turn.back((x, y, x, y))[:2]
        return _corner(x, y, w, h)

    numbers = number_candidates(text, lines, layout, corner)
    best = numbers[0] if numbers else None
    source = LEARNED if layout.learned and layout.number_at else TITLE_BLOCK
    number_field = None
    block = None
    if best is not None and best.score > 2.0:
        second = next((c.score for c in numbers[1:] if c.value != best.value), None)
        labels = _labels(lines, p.NUMBER_LABELS)
        box = to_box((best.word.x0, best.word.y0, best.word.x1, best.word.y1))
        number_field = Field(
            best.value,
            _confidence(best.score, second, 8.0),
            LABEL if best.labelled or _near_label(best.word, labels, best.word.size) else source,
            box,
        )
        block = box
    else:
        best = None
    title, margin, line, joined, labelled = title_for(text, lines, best, layout)
    turned: Turn | None = None
    if not title and turn is None and any(not wd.horizontal for wd in text.words):
        # No title across the page: read the text that runs up or down the sheet instead.
        turned = Turn(text)
        anchor = None
        if best is not None:
            word = turned.word(best.word)
            anchor = _Candidate(best.value, Line([word]).finish(), word, best.score)
        title, margin, line, joined, labelled = title_for(
            turned.text, lines_of(turned.text), anchor, Layout(repeated=layout.repeated)
        )
    title_field = None
    if title and line is not None:
        extent = (
            min(ln.x0 for ln in joined),
            min(ln.y0 for ln in joined),
            max(ln.x1 for ln in joined),
            max(ln.y1 for ln in joined),
        )
        if turned is not None:
            extent = turned.back(extent)
        box = to_box(extent)
        confidence = round(max(0.05, min(0.99, 0.4 + margin / 3)), 2)
        if number_field is None:
            confidence = min(confidence, 0.4)
        title_field = Field(title, confidence, LABEL if labelled else source, box)
        block = box if block is None else block.union(box)
    kept = [(ln.text, to_box((ln.x0, ln.y0, ln.x1, ln.y1)), ln.size) for ln in lines]
    # Keep the lines nearest the title block as evidence (for learning from a correction).
    kept.sort(key=lambda item: -_corner(item[1].cx * w, item[1].cy * h, w, h))
    return PageResult(number_field, title_field, _pad(block), kept[:120]), best


def _pad(box: Box | None) -> Box | None:
    if box is None:
        return None
    pad_x = max(0.02, (box.x1 - box.x0) * 0.15)
    pad_y = max(0.02, (box.y1 - box.y0) * 0.3)
    return Box(
        max(0.0, box.x0 - pad_x),
        max(0.0, box.y0 - pad_y),
        min(1.0, box.x1 + pad_x),
        min(1.0, box.y1 + pad_y),
    )
