"""What the tests share besides fixtures: the controllable clock, the cast of staff, constants.

Kept out of conftest.py so test modules can import it by a name no other conftest shadows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dongwu_tui.domain.models import Staff

DISTRICT_NAME = "吴中区高层次人才服务中心"
# Monday 2 March 2026, 09:00: an ordinary working week well clear of any holiday.
START = datetime(2026, 3, 2, 9, 0)
TALENT_PHONE = "13800138000"


class Clock:
    """A clock the test sets and moves; `Desk.clock` calls it for every timestamp it writes."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, day: date, at: time = time(9, 0)) -> datetime:
        self.now = datetime.combine(day, at)
        return self.now

    def today(self) -> date:
        return self.now.date()


@dataclass
class Cast:
    admin: Staff
    operator: Staff
    specialist: Staff  # at mudu; the talent's own specialist
    specialist2: Staff  # also at mudu
    specialist_luzhi: Staff
    supervisor: Staff
