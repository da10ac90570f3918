"""Small helpers for the sentences people read (headline, cards, report)."""

from __future__ import annotations


def lower_first(text: str) -> str:
    """Lower-case the first letter for use mid-sentence, unless it starts an acronym (ID, AV)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def response_time(ms: float | None) -> str:
    """A challenge's response time as people read it: '450 ms' under a second (one decimal of a
    second would show a quick response as '0.0 s'), '1.3 s' above (either sign: a move begun before
    the request is negative); '-' when none was measured."""
    if ms is None:
        return "-"
    return f"{ms:.0f} ms" if abs(round(ms)) < 1000 else f"{ms / 1000:.1f} s"
