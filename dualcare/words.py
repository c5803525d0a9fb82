"""Small helpers for the words of messages: "an urgent referral", not "a urgent referral"."""

from __future__ import annotations


def with_article(phrase: str) -> str:
    """`phrase` after "a" or "an", by the sound of its first letter: "an urgent referral",
    "a routine referral", "an exit TOP", "a HoNOS review" (a consonant before a vowel letter is
    "a"; DualCare's phrases start with no silent h or "uni-" sound)."""
    article = "an" if phrase[:1].lower() in "aeiou" else "a"
    return f"{article} {phrase}"
