"""Phone numbers, resident ID numbers, passports and unified social credit codes.

Pure functions over strings, standard library only. Validators return the canonical form that
is stored and compared; anything else raises :class:`InvalidIdentifier` with a Chinese sentence
that tells the clerk what to fix.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta

__all__ = [
    "CREDIT_CODE_CHARSET",
    "SUZHOU_AREA_CODE",
    "WUZHONG_DIVISION",
    "InvalidIdentifier",
    "birth_date_from_resident_id",
    "credit_code_check_char",
    "is_mobile",
    "mask_id",
    "mask_phone",
    "mask_text",
    "normalize_phone",
    "random_credit_code",
    "random_mobile",
    "random_resident_id",
    "resident_id_check_char",
    "validate_credit_code",
    "validate_passport",
    "validate_resident_id",
]

SUZHOU_AREA_CODE = "0512"
WUZHONG_DIVISION = "320506"


def _half_width(text: str) -> str:
    # Chinese input methods often produce full-width digits and letters (１３８, Ｘ); NFKC folds
    # them to ASCII so the clerk does not have to retype a number that looks right.
    return unicodedata.normalize("NFKC", text)


class InvalidIdentifier(ValueError):
    """An identifier that cannot be accepted; the message is a Chinese sentence for the clerk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_CHARS_RE = re.compile(r"\+?[0-9 \-]*")
_COUNTRY_PREFIXES = ("+86", "0086")
_LANDLINE_MESSAGE = "座机号码格式不正确：区号以 0 开头，号码 7–8 位"


def _landline_area_code_length(digits: str) -> int:
    # Only 010 (Beijing) and 020–029 have two digits after the 0; every other area code has three.
    return 3 if digits[1] in "12" else 4


def normalize_phone(text: str) -> str:
    """Return the canonical digits of a mainland mobile or landline number.

    ``+86 138-0013-8000`` → ``13800138000``; ``0512-66881234`` → ``051266881234``;
    a bare 8-digit Suzhou number ``66881234`` → ``051266881234``.
    """
    raw = _half_width(text).strip()
    if not raw:
        raise InvalidIdentifier("电话号码不能为空")
    if not _PHONE_CHARS_RE.fullmatch(raw):
        raise InvalidIdentifier("电话号码只能包含数字、空格和连字符")
    compact = raw.replace(" ", "").replace("-", "")

    had_country_code = False
    for prefix in _COUNTRY_PREFIXES:
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            had_country_code = True
            break
    if "+" in compact:
        raise InvalidIdentifier("电话号码只能包含数字、空格和连字符；国际区号只接受 +86")
    if not compact:
        raise InvalidIdentifier("电话号码不能为空")
    # In international form the trunk 0 of a landline is dropped: +86 512 6688 1234.
    if had_country_code and not compact.startswith(("0", "1")):
        compact = "0" + compact

    if compact.startswith("1"):
        if len(compact) <= 6:
            raise InvalidIdentifier("不接受 12345、110 等服务号码，请填写手机号码或座机号码")
        if not _MOBILE_RE.fullmatch(compact):
            raise InvalidIdentifier("手机号码应为 11 位数字，以 1 开头")
        return compact

    if compact.startswith("0"):
        if len(compact) < 3 or compact[1] == "0":
            raise InvalidIdentifier(_LANDLINE_MESSAGE)
        area_len = _landline_area_code_length(compact)
        subscriber = compact[area_len:]
        if not (7 <= len(subscriber) <= 8) or subscriber[0] in "01":
            raise InvalidIdentifier(_LANDLINE_MESSAGE)
        return compact

    # Clerks take most calls from Suzhou and often leave out 0512; Suzhou local numbers have 8 digits.
    if len(compact) == 8:
        return SUZHOU_AREA_CODE + compact
    if len(compact) <= 6:
        raise InvalidIdentifier("不接受 12345、95588 等服务号码，请填写手机号码或座机号码")
    raise InvalidIdentifier(_LANDLINE_MESSAGE)


def is_mobile(phone: str) -> bool:
    """True when ``phone`` is a valid mainland mobile number (in any accepted spelling)."""
    try:
        return bool(_MOBILE_RE.fullmatch(normalize_phone(phone)))
    except InvalidIdentifier:
        return False


def mask_phone(phone: str) -> str:
    """Mask a phone number for lists and printouts: ``138****5678``, ``0512-****1234``.

    Masking is for display only, so it never raises: a number that does not validate
    (old records) still gets all but its last four digits hidden.
    """
    try:
        digits = normalize_phone(phone)
    except InvalidIdentifier:
        digits = re.sub(r"[^0-9]", "", _half_width(phone))
        if len(digits) <= 4:
            return "*" * len(digits)
        return "*" * (len(digits) - 4) + digits[-4:]
    if digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    area_len = _landline_area_code_length(digits)
    subscriber = digits[area_len:]
    return f"{digits[:area_len]}-{'*' * (len(subscriber) - 4)}{digits[-4:]}"


# --------------------------------------------------------------------------- resident ID

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK_MAP = "10X98765432"
_RESIDENT_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
# GB/T 2260 province-level codes; 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence permits for
# Taiwan residents, 91 residence permits for foreigners.
_PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82, 83, 91]
)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643-1999 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdentifier("计算身份证号码校验位需要前 17 位数字")
    total = sum(int(ch) * w for ch, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK_MAP[total % 11]


def _parse_birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_resident_id(text: str, *, today: date | None = None) -> str:
    """Return the 18-character resident ID in upper case, or raise :class:`InvalidIdentifier`.

    ``today`` bounds the birth date; tests pass it, the desk leaves it to the system clock.
    """
    idno = _half_width(text).strip().upper()
    if len(idno) != 18:
        raise InvalidIdentifier(f"身份证号码应为 18 位，当前为 {len(idno)} 位")
    if not idno.isascii() or not _RESIDENT_ID_RE.fullmatch(idno):
        raise InvalidIdentifier("身份证号码前 17 位只能是数字，最后一位是数字或 X")
    if int(idno[:2]) not in _PROVINCE_CODES:
        raise InvalidIdentifier(f"身份证号码前两位 {idno[:2]} 不是有效的省级行政区划代码")

    birth_digits = idno[6:14]
    birth = _parse_birth_date(birth_digits)
    if birth is None or birth.year < 1900:
        raise InvalidIdentifier(f"身份证号码中的出生日期 {birth_digits} 无效")
    if birth > (today or date.today()):
        raise InvalidIdentifier(f"身份证号码中的出生日期 {birth_digits} 无效：晚于今天")

    expected = resident_id_check_char(idno[:17])
    if idno[17] != expected:
        raise InvalidIdentifier(f"身份证号码校验位错误：应为 {expected}")
    return idno


def birth_date_from_resident_id(idno: str) -> date:
    """The birth date encoded in a resident ID (the ID is validated first)."""
    valid = validate_resident_id(idno)
    birth = _parse_birth_date(valid[6:14])
    assert birth is not None  # validate_resident_id has rejected impossible dates
    return birth


# --------------------------------------------------------------------------- passport

_PASSPORT_RE = re.compile(r"[A-Z0-9]{5,17}")


def validate_passport(text: str) -> str:
    """Return a passport number upper-cased: 5–17 Latin letters or digits."""
    number = _half_width(text).strip().upper()
    if not number:
        raise InvalidIdentifier("护照号码不能为空")
    if not number.isascii() or not _PASSPORT_RE.fullmatch(number):
        raise InvalidIdentifier("护照号码应为 5–17 位英文字母或数字")
    return number


# --------------------------------------------------------------------------- credit code

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100-2015 registration authorities: 1 机构编制 … 9 工商, A 中央军委改革和编制办公室,
# N 农业, Y 其他. The entity-type digit (position 2) is not checked: the sector tables behind it
# are amended by each authority, and refusing a genuine code would block a case at intake.
_CREDIT_AUTHORITIES = frozenset("123456789ANY")


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    body = first17.upper()
    if len(body) != 17 or any(ch not in CREDIT_CODE_CHARSET for ch in body):
        raise InvalidIdentifier("计算统一社会信用代码校验位需要前 17 位有效字符")
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(body, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(text: str) -> str:
    """Return an 18-character unified social credit code in upper case, or raise."""
    code = _half_width(text).strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier(f"统一社会信用代码应为 18 位，当前为 {len(code)} 位")
    for ch in code:
        if ch not in CREDIT_CODE_CHARSET:
            raise InvalidIdentifier(f"统一社会信用代码含有不允许的字符「{ch}」")
    if code[0] not in _CREDIT_AUTHORITIES:
        raise InvalidIdentifier(f"统一社会信用代码第 1 位登记管理部门代码「{code[0]}」无效")
    if not code[2:8].isdigit():
        raise InvalidIdentifier("统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(f"统一社会信用代码校验位错误：应为 {expected}")
    return code


# --------------------------------------------------------------------------- masking


def mask_id(idno: str) -> str:
    """Mask an ID for display: resident IDs ``320***********123X``, passports ``E1*****78``."""
    value = _half_width(idno).strip().upper()
    if len(value) == 18 and _RESIDENT_ID_RE.fullmatch(value):
        return value[:3] + "*" * 11 + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


# Numbers inside free text (notes, summaries, reasons): resident IDs, mobiles, landlines with an area code,
# each standing alone (not part of a longer run of digits).
_TEXT_ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_TEXT_PHONE_RE = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})(?![0-9])")


def mask_text(text: str) -> str:
    """Mask the ID and phone numbers written inside free text, leaving the rest as it is."""
    text = _TEXT_ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    return _TEXT_PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


# --------------------------------------------------------------------------- demo data

# Prefixes in everyday use by the three carriers; demo numbers should look like real ones.
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


def random_mobile(rng: random.Random) -> str:
    """A plausible mobile number; the same ``rng`` state gives the same number."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def random_resident_id(
    rng: random.Random,
    birth_from: date,
    birth_to: date,
    area_code: str = WUZHONG_DIVISION,
) -> str:
    """A valid resident ID born between the two dates (inclusive) in ``area_code``."""
    if len(area_code) != 6 or not area_code.isdigit() or int(area_code[:2]) not in _PROVINCE_CODES:
        raise InvalidIdentifier(f"行政区划代码 {area_code} 无效，应为 6 位数字")
    if birth_to < birth_from:
        raise InvalidIdentifier("出生日期范围无效：结束日期早于开始日期")
    birth = birth_from + timedelta(days=rng.randint(0, (birth_to - birth_from).days))
    # Two sequence digits, then the gender digit (odd for men, even for women).
    sequence = f"{rng.randrange(100):02d}{rng.randrange(10)}"
    first17 = f"{area_code}{birth:%Y%m%d}{sequence}"
    return first17 + resident_id_check_char(first17)


_ORG_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_check_char(body8: str) -> str:
    # GB 11714 organisation code: positions 9–17 of a credit code carry their own check character.
    total = sum(_ORG_CODE_VALUES.index(ch) * w for ch, w in zip(body8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def random_credit_code(rng: random.Random, division: str = WUZHONG_DIVISION) -> str:
    """A valid enterprise credit code (``91`` + division + organisation code + check)."""
    if len(division) != 6 or not division.isdigit():
        raise InvalidIdentifier(f"行政区划代码 {division} 无效，应为 6 位数字")
    # Codes issued to new companies since 2015 carry an "MA" organisation code.
    body8 = "MA" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(6))
    first17 = "91" + division + body8 + _org_code_check_char(body8)
    return first17 + credit_code_check_char(first17)
