"""Record ids: UUIDv7 (RFC 9562), time-ordered so new rows land at the end of every B-tree index.

Written out here rather than taken from a package because the demo builder needs ids that are
deterministic for a seed and stamped with simulated times. Within one process the ids are strictly
increasing (RFC 9562 §6.2, method 2: the random part is incremented when the millisecond repeats),
so records written in the same second still sort in the order they were written.
"""

from __future__ import annotations

import random
import threading
import uuid
from datetime import datetime

from dongwu_tui.domain.chinatime import CHINA_TZ

# Naive datetimes in the desk are China time; reading them so keeps ids the same on any machine.
_CHINA = CHINA_TZ

# The operating system's randomness, as `secrets.randbits` uses, without loading `secrets` (and with it hmac
# and base64, ~1 ms) on the way to the first screen (start-up).
_SYSTEM_RANDOM = random.SystemRandom()
_lock = threading.Lock()
_last = (0, 0)


def uuid7(at: datetime | None = None, rng: random.Random | None = None) -> str:
    """A UUIDv7 string: 48-bit Unix milliseconds, version 7, 74 random bits, RFC 4122 variant."""
    global _last
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=_CHINA)
    millis = int((at or datetime.now(_CHINA)).timestamp() * 1000)
    rand = rng.getrandbits(74) if rng is not None else _SYSTEM_RANDOM.getrandbits(74)
    with _lock:
        last_millis, last_rand = _last
        if millis <= last_millis:
            # Same or earlier millisecond (or a clock step back): keep order by counting on.
            millis, rand = last_millis, last_rand + 1 + (rand & 0xFFFF)
            if rand >= 1 << 74:
                millis, rand = millis + 1, rand & 0xFFFF
        _last = (millis, rand)
    rand_a = rand >> 62
    rand_b = rand & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def uuid7_after(previous: str) -> str:
    """The UUIDv7 that follows `previous` (same millisecond, random part plus one): the next id in order
    when a record must sort after one another process wrote with the same timestamp."""
    value = uuid.UUID(previous).int
    millis = value >> 80
    rand = ((value >> 64) & 0xFFF) << 62 | (value & ((1 << 62) - 1))
    rand += 1
    if rand >= 1 << 74:
        millis, rand = millis + 1, 0
    rand_a = rand >> 62
    rand_b = rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=(millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b))


# Sync: an office's id follows from its code, so the centre's entry for a township office and
# the township's own entry are the same record and merge instead of colliding on the code.
_SITE_NAMESPACE = uuid.UUID("6f1d3c2e-7a44-5b0e-9d1c-0d5e2a7c9b10")


def site_id_for_code(code: str) -> str:
    return str(uuid.uuid5(_SITE_NAMESPACE, code.strip().lower()))
