"""Filters for text that people other than the recipient control (project names, reasons)."""

from __future__ import annotations

from django import template

register = template.Library()

QUOTE_MAX = 80


@register.filter
def quoted(value: object) -> str:
    """One line, at most QUOTE_MAX characters, in double quotes, so it reads as a name.

    Email subjects carry names typed by other companies; quoting (and labelling the sender
    before them) keeps a name like "Your password expires" from passing as our own words.
    """
    text = " ".join(str(value).replace('"', "'").split())
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1] + "…"
    return f'"{text}"'
