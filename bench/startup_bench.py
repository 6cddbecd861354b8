"""Start-up only: launch to first paint and to first rows, beside the bare Textual app, in tmux.

    python -m bench.startup_bench --db /tmp/district.db [--launches 15] [--compare before=/tmp/head] [--raw]

The same commands and ready tests as `bench/run.py` `measure_terminal` (the `dongwu` script, supervisor,
request views; the bare app), but the launches are interleaved (bare, desk to rows, desk to title, bare,
...) so that a busy moment on the shared machine hits every row alike. Prints median and p95 of each and
the ratios to the bare app. `--compare LABEL=DIR` adds the same two desk rows for another copy of the
package (`git archive HEAD dongwu_tui | tar -x -C DIR`), run as `python -m dongwu_tui` with PYTHONPATH=DIR
from /, in the same loop: before and after measured side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench import bytecode, district, tmux


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


def measure(path: Path, launches: int, actor: str = district.SUPERVISOR,
            compare: dict[str, Path] | None = None) -> dict[str, list[float]]:
    dongwu = Path(sys.executable).with_name("dongwu")
    desk_cmd = f"{dongwu} --db {path} --as {actor}"
    runs = {
        "bare Textual app, one label": (f"{sys.executable} -m bench.apps bare", lambda s: "READY" in s),
        "first paint (title and footer)": (desk_cmd, painted),
        "first screen (sign-in, the supervisor's name filled in)": (desk_cmd, signin),
    }
    for label, tree in (compare or {}).items():
        # From /, so that `-m` does not put this checkout's directory ahead of PYTHONPATH.
        other = f"sh -c 'cd / && PYTHONPATH={tree} exec {sys.executable} -m dongwu_tui --db {path} --as {actor}'"
        runs[f"{label}: first paint (title and footer)"] = (other, painted)
        runs[f"{label}: first screen (sign-in)"] = (other, signin)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(launches):
        for name, (command, ready) in runs.items():
            session = tmux.launch(command, "startup")
            times[name].append(session.wait_for(ready) * 1000)
            time.sleep(0.2)
            session.close()
            time.sleep(0.1)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/district.db"))
    parser.add_argument("--launches", type=int, default=15)
    parser.add_argument("--as", dest="actor", default=district.SUPERVISOR)
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=DIR",
                        help="another copy of the package to measure beside this one (repeatable)")
    parser.add_argument("--raw", action="store_true", help="print every launch's time, in launch order")
    args = parser.parse_args()
    compare = {label: Path(tree) for label, _, tree in (item.partition("=") for item in args.compare)}
    bytecode.compiled()  # as a regular install has it (bench/bytecode.py)
    for tree in compare.values():
        bytecode.compiled(tree / "dongwu_tui")
    times = measure(args.db, args.launches, args.actor, compare)
    bare = _stats(times["bare Textual app, one label"])[0]
    for name, samples in times.items():
        m, p = _stats(samples)
        print(f"{name:55s} median {m:7.0f} ms  p95 {p:7.0f} ms  {m / bare:4.2f} × bare  "
              f"(min {min(samples):.0f}, n={len(samples)})", flush=True)
    if args.raw:
        for name, samples in times.items():
            print(f"{name}: " + " ".join(f"{t:.0f}" for t in samples))


if __name__ == "__main__":
    main()
