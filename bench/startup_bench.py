"""Start-up only: launch to first screen for each desk role, beside the bare Textual app, in tmux.

    python -m bench.startup_bench --db /tmp/district.db [--launches 20] [--compare before=/tmp/head] [--raw]

The desk's first screen is the sign-in screen, the name `--as` gave filled in and the password asked for:
it is up, taking keys, from the first frame (the database opens behind it). One row per role (operator,
specialist, supervisor), each launch interleaved with the bare app (bare, operator, specialist, supervisor,
bare, ...) so that a busy moment on the shared machine hits every row alike. Then, per role, the time from
Enter on the password to the role's first workspace with its rows or its ready form (the password check, an
argon2id derivation, is in it: no bare app to compare with). Prints median and p95 and the ratios to the
bare app. `--compare LABEL=DIR` adds the supervisor's row for another copy of the package (`git archive
HEAD dongwu_tui | tar -x -C DIR`), run as `python -m dongwu_tui` with PYTHONPATH=DIR from /, in the same
loop: before and after measured side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench import bytecode, district, tmux

# The role's name as `--as` gives it, and how its first workspace shows that it is ready.
ROLES = {
    "operator": (district.OPERATOR, lambda s: "来电号码" in s and "输入来电号码" in s),  # intake, the phone field
    "specialist": (district.SPECIALIST, lambda s: "人才共 " in s and "DW" in s),  # their caseload's rows
    "supervisor": (district.SUPERVISOR, lambda s: "WZ-" in s),  # the request views' rows
}


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]


def painted(screen: str) -> bool:
    return "东吴人才服务台" in screen


def rows(screen: str) -> bool:
    return "WZ-" in screen or "这个视图里没有工单" in screen


def signin(screen: str) -> bool:
    """The desk's first screen: the sign-in screen with the name `--as` gave, asking for the password."""
    return "请输入密码" in screen


def measure(path: Path, launches: int, compare: dict[str, Path] | None = None) -> dict[str, list[float]]:
    dongwu = Path(sys.executable).with_name("dongwu")
    runs = {"bare Textual app, one label": (f"{sys.executable} -m bench.apps bare", lambda s: "READY" in s)}
    for role, (name, _ready) in ROLES.items():
        runs[f"first screen, {role} (sign-in, name filled in)"] = (f"{dongwu} --db {path} --as {name}", signin)
    for label, tree in (compare or {}).items():
        # From /, so that `-m` does not put this checkout's directory ahead of PYTHONPATH.
        other = (f"sh -c 'cd / && PYTHONPATH={tree} exec {sys.executable} -m dongwu_tui --db {path} "
                 f"--as {district.SUPERVISOR}'")
        runs[f"{label}: first screen, supervisor"] = (other, signin)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(launches):
        for name, (command, ready) in runs.items():
            session = tmux.launch(command, "startup")
            times[name].append(session.wait_for(ready) * 1000)
            time.sleep(0.2)
            session.close()
            time.sleep(0.1)
    return times


def after_password(path: Path, launches: int) -> dict[str, list[float]]:
    """Per role: milliseconds from Enter on the password to the role's first workspace, ready."""
    dongwu = Path(sys.executable).with_name("dongwu")
    times: dict[str, list[float]] = {role: [] for role in ROLES}
    for _ in range(launches):
        for role, (name, ready) in ROLES.items():
            session = tmux.launch(f"{dongwu} --db {path} --as {name}", "signin")
            session.wait_for(signin)
            time.sleep(0.5)  # the staff list is in (a person takes longer than this to type a password)
            session._command("send-keys", "-t", "b", "-l", district.PASSWORD)
            time.sleep(0.1)
            start = time.perf_counter()
            session.keys("Enter")
            while time.perf_counter() - start < 30 and not ready(session.screen(styles=False)):
                time.sleep(tmux.POLL_S)
            times[role].append((time.perf_counter() - start) * 1000)
            time.sleep(0.2)
            session.close()
            time.sleep(0.1)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/district.db"))
    parser.add_argument("--launches", type=int, default=20)
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=DIR",
                        help="another copy of the package to measure beside this one (repeatable)")
    parser.add_argument("--signed-in", type=int, default=5, metavar="N",
                        help="launches per role for Enter → first workspace (0: skip)")
    parser.add_argument("--raw", action="store_true", help="print every launch's time, in launch order")
    args = parser.parse_args()
    compare = {label: Path(tree) for label, _, tree in (item.partition("=") for item in args.compare)}
    bytecode.compiled()  # as a regular install has it (bench/bytecode.py)
    for tree in compare.values():
        bytecode.compiled(tree / "dongwu_tui")
    times = measure(args.db, args.launches, compare)
    bare = _stats(times["bare Textual app, one label"])[0]
    for name, samples in times.items():
        m, p = _stats(samples)
        print(f"{name:55s} median {m:7.0f} ms  p95 {p:7.0f} ms  {m / bare:4.2f} × bare  "
              f"(min {min(samples):.0f}, n={len(samples)})", flush=True)
    if args.signed_in:
        for role, samples in after_password(args.db, args.signed_in).items():
            m, p = _stats(samples)
            print(f"{'Enter on the password → first workspace, ' + role:55s} median {m:7.0f} ms  p95 {p:7.0f} ms  "
                  f"(n={len(samples)})", flush=True)
    if args.raw:
        for name, samples in times.items():
            print(f"{name}: " + " ".join(f"{t:.0f}" for t in samples))


if __name__ == "__main__":
    main()
