"""The encrypted office beside the plain one: the same district file measured twice, plain and converted
by `dongwu encrypt` (SQLCipher, storage/cipher.py), every figure of `measure_queries` side by side.

    python -m bench.crypt_bench --db /tmp/dongwu-district.db            # an existing district database
    python -m bench.crypt_bench --scale 0.25 --db /tmp/d.db --build     # build a smaller one first

The floor of the encrypted run is raw SQLCipher with the same key running the same SQL. Also timed: the
conversion itself (`encrypt_office`: copy, check, swap), and opening the office (argon2id unwrap of one
key slot + the first connection), which a plain office does not pay.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from bench import district, run

PASSWORD = "bench-admin-password"


class CipherRawRunner(run.RawRunner):
    def __init__(self, path: Path, key: bytes) -> None:
        from dongwu_tui.storage.cipher import connect

        self.db = connect(path, key)


def measure(db: Path, repeats: int) -> str:
    from dongwu_tui.services.setup import encrypt_office, open_desk
    from dongwu_tui.storage import keyring

    plain_figures = run.measure_queries(db, repeats)
    encrypted = db.with_name(f"{db.stem}-encrypted.db")
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{encrypted}{suffix}").unlink(missing_ok=True)
    shutil.copy(db, encrypted)
    started = time.perf_counter()
    encrypt_office(encrypted, "系统管理员", PASSWORD)
    convert_s = time.perf_counter() - started
    keyring.supply_password(PASSWORD)
    key = keyring.unwrap(encrypted, "系统管理员", PASSWORD)
    # The supervisor opens the desk with their own slot, as an office would give them one.
    admin = open_desk(encrypted, "系统管理员")
    from dongwu_tui.services.setup import manage_key

    manage_key(admin, "add", district.SUPERVISOR, PASSWORD)
    admin.office.close()

    opens = []
    for _ in range(5):
        began = time.perf_counter()
        open_desk(encrypted, district.SUPERVISOR).office.close()
        opens.append((time.perf_counter() - began) * 1000)
    plain_opens = []
    for _ in range(5):
        began = time.perf_counter()
        open_desk(db, district.SUPERVISOR).office.close()
        plain_opens.append((time.perf_counter() - began) * 1000)

    original = run.RawRunner
    run.RawRunner = lambda path: CipherRawRunner(path, key)  # type: ignore[assignment,misc]
    try:
        cipher_figures = run.measure_queries(encrypted, repeats)
    finally:
        run.RawRunner = original  # type: ignore[misc]

    size = db.stat().st_size / 1e6
    lines = [
        f"| figure | target | plain median / p95 (ms) | encrypted median / p95 (ms) | encrypted ÷ plain (median) "
        "| floor plain / encrypted (ms) |",
        "|---|---|---|---|---|---|",
        f"| open the office (`open_desk`) | — | {statistics.median(plain_opens):.1f} | "
        f"{statistics.median(opens):.1f} (argon2id unwrap of one slot included) | — | — |",
    ]
    for p, c in zip(plain_figures, cipher_figures, strict=True):
        ratio = f"{c.median / p.median:.2f}×" if p.median and c.median else "—"
        floors = (f"{run._fmt(p.floor, 'ms')} / {run._fmt(c.floor, 'ms')}" if p.floor is not None else "—")
        lines.append(f"| {p.what} | {p.target} | {run._fmt(p.median, 'ms')} / {run._fmt(p.p95, 'ms')} | "
                     f"{run._fmt(c.median, 'ms')} / {run._fmt(c.p95, 'ms')} {'✓' if c.met else ('✗' if c.met is False else '')} | "
                     f"{ratio} | {floors} |")
    lines.append(f"| `dongwu encrypt` of the {size:,.0f} MB file (copy, check, swap) | — | — | "
                 f"{convert_s * 1000:,.0f} | — | — |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/dongwu-district.db"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    if args.build:
        district.build(args.db, args.scale)
    sizes = sqlite3.connect(args.db).execute(
        "SELECT (SELECT count(*) FROM talent), (SELECT count(*) FROM call), (SELECT count(*) FROM service_request)"
    ).fetchone()
    print(f"{run.machine()}; {sizes[0]:,} talents, {sizes[1]:,} calls, {sizes[2]:,} requests")
    print(measure(args.db, args.repeats))


if __name__ == "__main__":
    main()
