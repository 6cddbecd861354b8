"""Text that is safe to put on a terminal: what a write refuses and how stored text is shown.

A terminal acts on control characters (ESC starts sequences that retitle the window, clear the screen
or move the cursor; BEL, CR, BS and DEL rewrite what is shown) and reorders or hides text at bidi
overrides and zero-width characters. None of these belongs in a name, a summary or a reason, so:

- every write refuses them (`unsafe_characters` / `check_text`, used by domain.validation and the
  services), naming the field in Chinese;
- text that is stored already or arrives by sync from an office with older rules is shown through
  `printable`, which spells each such character out as `\\u001b` (a line feed inside one line becomes a
  space), so nothing reaches the terminal raw.

`\\u` spelling keeps JSON output exact: inside a JSON string `\\u202e` reads back as the character.
"""

from __future__ import annotations

import re

from dongwu_tui.domain.errors import ValidationFailed

# C0 controls, DEL, C1 controls; the Arabic letter mark; zero-width space/joiners, LRM/RLM; line and
# paragraph separators, bidi embeddings and overrides; word joiner, invisible operators, bidi isolates;
# the Mongolian vowel separator; the byte order mark; interlinear annotation marks.
_FORMAT = "\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
_UNSAFE_RE = re.compile(f"[\x00-\x1f{_FORMAT}]")
# Free text (summaries, notes, reasons) may run over several lines: tab and line feed do no harm there.
_UNSAFE_MULTILINE_RE = re.compile(f"[\x00-\x08\x0b-\x1f{_FORMAT}]")


def spelled(char: str) -> str:
    """One character as `\\u001b`: how a refusal names it and how `printable` shows it."""
    return f"\\u{ord(char):04x}"


def unsafe_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control, bidi-override and invisible characters in `text`, each once, in order of appearance."""
    pattern = _UNSAFE_MULTILINE_RE if multiline else _UNSAFE_RE
    return list(dict.fromkeys(pattern.findall(text)))


def unsafe_message(label: str, found: list[str]) -> str:
    shown = "、".join(spelled(char) for char in found[:5])
    return f"{label}含有控制字符或不可见的格式字符（{shown}），请删除后重试。"


def check_text(text: str | None, label: str, *, multiline: bool = False) -> str | None:
    """`text` unchanged, or ValidationFailed naming the field when it holds characters a terminal acts on."""
    if text:
        found = unsafe_characters(text, multiline=multiline)
        if found:
            raise ValidationFailed(unsafe_message(label, found))
    return text


def printable(text: str, *, keep_lines: bool = False) -> str:
    """`text` with every character a terminal would act on spelled out (`\\u001b`); one line unless
    `keep_lines`, which lets line feeds and tabs through (whole blocks of output)."""
    if keep_lines:
        return _UNSAFE_MULTILINE_RE.sub(lambda m: spelled(m.group()), text)
    if not _UNSAFE_RE.search(text):
        return text
    # A line break inside one cell or one line of a list is shown as a space.
    return _UNSAFE_RE.sub(lambda m: " " if m.group() in "\n\t" else spelled(m.group()), text)
