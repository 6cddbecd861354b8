"""Pinyin search keys for Chinese names, stored when a record is written so search never computes them."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials, both lower case: 张伟 -> ("zhangwei", "zw").

    Heteronyms take pypinyin's most common reading; non-Chinese characters pass through.
    """
    from pypinyin import Style, lazy_pinyin  # slow to import: kept off the start-up path

    syllables = [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    return full, initials
