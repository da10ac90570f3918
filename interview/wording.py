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
