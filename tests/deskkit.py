"""What the tests share besides fixtures: the controllable clock, the cast of staff, constants.

Kept out of conftest.py so test modules can import it by a name no other conftest shadows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

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


# The password every test account gets (tests/conftest.py, the CLI helpers): a real argon2id hash, checked
# by the real sign-in.
TEST_PASSWORD = "dongwu-test-2026"


def sign_in(db: Path, names: list[str] | None = None, *, state_dir: Path | None = None,
            password: str = TEST_PASSWORD) -> dict[str, object]:
    """Log staff of `db` in as `dongwu login` does, through the accounts service: an account without a
    password first gets `password` (the admin's set at init, the others reset by the admin, no change
    required), then signs in with it and, when `state_dir` is given, leaves the session file `--as` reads.
    `names`: those staff (all active staff when None). Returns the SignedIn of each name."""
    import os

    from dongwu_tui.domain.roles import Role
    from dongwu_tui.services.setup import open_desk

    desk = open_desk(db)
    try:
        t = desk.office.tables
        rows = t.StaffRow.select().where((t.StaffRow.active == True) & (t.StaffRow.deleted == False))  # noqa: E712
        staff = [desk.directory.staff(row.id) for row in rows]
        admin = next(s for s in staff if s.role is Role.ADMIN)
        if not desk.accounts.has_password(admin.id):
            desk.accounts.set_initial(admin, password)
        as_admin = desk.acting_as(admin)
        signed: dict[str, object] = {}
        for person in staff:
            if names is not None and person.name not in names and person.id not in names:
                continue
            if not desk.accounts.has_password(person.id):
                as_admin.accounts.reset(person.id, password, must_change=False)
            signed[person.name] = desk.accounts.sign_in(person.id, password)
            if state_dir is not None:
                from dongwu_tui.cli import sessions

                previous = os.environ.get("DONGWU_STATE_DIR")
                os.environ["DONGWU_STATE_DIR"] = str(state_dir)
                try:
                    sessions.save_token(desk.site_id, person.id, desk.accounts.open_session(signed[person.name]))
                finally:
                    if previous is None:
                        del os.environ["DONGWU_STATE_DIR"]
                    else:
                        os.environ["DONGWU_STATE_DIR"] = previous
        return signed
    finally:
        desk.office.close()


def signed_in_for(db: Path, args: tuple[str, ...] | list[str], state_dir: Path) -> None:
    """Before a CLI call with `--as NAME`: the session of NAME on `db`, logged in once per database (a name
    that is no staff member, or a database that cannot be opened, is left for the command to refuse)."""
    from dongwu_tui.domain.errors import DeskError

    args = list(args)
    names = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--as"]
    names += [a.split("=", 1)[1] for a in args if a.startswith("--as=")]
    if not names or not Path(db).exists():
        return
    if _has_session(db, names[-1], state_dir):
        return
    try:
        sign_in(db, [names[-1]], state_dir=state_dir)
    except (DeskError, StopIteration):
        return


def _has_session(db: Path, name: str, state_dir: Path) -> bool:
    """Whether `name` already has a session file for the office of `db` (a database that cannot be read is
    left for the command to refuse)."""
    import hashlib
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            site = connection.execute("SELECT value FROM meta WHERE key = 'site_id'").fetchone()
            staff = connection.execute("SELECT id FROM staff WHERE name = ? OR id = ?", (name, name)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return True
    if site is None or staff is None:
        return True
    key = hashlib.sha256(f"{site[0]}\0{staff[0]}".encode()).hexdigest()[:32]
    return (Path(state_dir) / "sessions" / f"{key}.token").exists()


def cli_args(db: Path, args: tuple[str, ...] | list[str], state_dir: Path | None = None) -> list[str]:
    """A `dongwu` command line as a person at the keyboard would run it: `init` is given the admin's
    password (TEST_PASSWORD, from a file) and, before a command with `--as NAME`, NAME is logged in (once
    per database). `state_dir`: where the sessions live ($DONGWU_STATE_DIR when None)."""
    import os

    args = list(args)
    state = Path(state_dir if state_dir is not None else os.environ["DONGWU_STATE_DIR"])
    if "init" in args and not any(a.startswith("--password") for a in args):
        state.mkdir(parents=True, exist_ok=True)
        secret = state / "test-password.txt"
        secret.write_text(TEST_PASSWORD + "\n", encoding="utf-8")
        return [*args, "--password-file", str(secret)]
    signed_in_for(db, args, state)
    return args


def cli_argv(argv: list[str]) -> list[str]:
    """`cli_args` for an in-process `main(argv)` whose argv names the database with --db."""
    db = next((Path(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "--db"), None)
    return argv if db is None else cli_args(db, argv)
