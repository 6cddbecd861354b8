"""Search as you type: key → the matching rows on the screen, in tmux, for every key of a name.

    python -m bench.typing_bench --db /tmp/district.db [--text 曹怡] [--rounds 20] [--compare before=/tmp/old]

The desk signs in as the supervisor (the bench district's password), F3 opens the talent list, `/`
focuses the search box, and each character of `--text` is typed in turn. A key's time runs from sending it
until the screen shows that prefix's result: its count line ("搜索结果共 N 人", N as the desk's own query
counts it here) and the name of its first row, both drawn; the echo of the key in the box alone does not
count. Backspaces then bring the whole list back and the next round starts. `--compare LABEL=DIR` runs
another copy of the package (`git archive main dongwu_tui | tar -x -C DIR`) in the same loop, sessions
alternating, so that before and after share the machine's moments. Prints median and p95 per key and for
all keys together. Before the search, each session also times ten Down and ten PageDown in the talent list
(key → the screen's last change), printed beside the bare Textual app's key → label.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import district, tmux

ROOT = Path(__file__).resolve().parent.parent
ACTOR = district.SUPERVISOR  # the desk's screens are for operators, specialists and supervisors
PASSWORD = district.PASSWORD  # every account of a bench district (bench/district.py)


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]


def expected(path: Path, text: str) -> list[tuple[str, str]]:
    """For each prefix of `text`: the count line's figure and the first row's name, as the desk shows them."""
    from dongwu_tui.services.setup import open_desk

    desk = open_desk(path, ACTOR)
    try:
        out = []
        for end in range(1, len(text) + 1):
            query = desk.views.talents(search=text[:end])
            count = query.count()
            rows = query.page(None)
            first = rows[0] if rows else None
            name = getattr(first, "name", None) or (first.get("name") if isinstance(first, dict) else "")
            out.append((query.shown_count(count), name or ""))
        return out
    finally:
        desk.office.close()


def _until(session: tmux.Session, ready: Callable[[str], bool], start: float, timeout: float = 5.0) -> float:
    while time.perf_counter() - start < timeout:
        if ready(session.screen(styles=False)):
            return time.perf_counter() - start
        time.sleep(tmux.POLL_S)
    return float("nan")


def session_rounds(command: str, text: str, wanted: list[tuple[str, str]], rounds: int,
                   moves: dict[str, list[float]] | None = None) -> list[list[float]]:
    """Per round, the milliseconds of each key of `text` to its matching rows; with `moves`, first ten Down and
    ten PageDown in the list, each key's milliseconds to the screen's last change (added to `moves[key]`)."""
    session = tmux.launch(command, "typing")
    try:
        session.wait_for(lambda s: "请输入密码" in s)  # the sign-in screen, the name `--as` gave filled in
        session._command("send-keys", "-t", "b", "-l", PASSWORD)
        session.keys("Enter")
        session.wait_for(lambda s: "WZ-" in s)  # the supervisor's first screen, the requests
        session.keys("F3")
        session.wait_for(lambda s: "人才共 " in s and "DW" in s)
        time.sleep(1.0)  # the page anchors' worker, once
        if moves is not None:  # the list's own keys first, the cursor on its rows
            for key in ("Down", "PageDown"):
                moves.setdefault(key, []).extend(session.key_to_screen(key, settle=0.15) * 1000 for _ in range(10))
        session.keys("/")
        time.sleep(0.3)
        out = []
        for _ in range(rounds):
            times = []
            for i, char in enumerate(text):
                figure, name = wanted[i]
                line = f"搜索结果共 {figure} 人"
                start = time.perf_counter()
                session._command("send-keys", "-t", "b", "-l", char)
                times.append(_until(session, lambda s, line=line, name=name: line in s and name in s, start) * 1000)
                time.sleep(0.15)  # a person's pace between keys; a broad prefix's exact count lands meanwhile
            out.append(times)
            for _ in text:
                session.keys("BSpace")
            _until(session, lambda s: "人才共 " in s, time.perf_counter())
            time.sleep(0.4)
        return out
    finally:
        session.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--text", default="曹怡")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=2, help="sessions per tree (rounds are split among them)")
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=DIR")
    args = parser.parse_args(argv)
    wanted = expected(args.db, args.text)
    print("expected:", wanted)
    trees = {"this tree": ROOT, **{c.split("=", 1)[0]: Path(c.split("=", 1)[1]) for c in args.compare}}
    results: dict[str, list[list[float]]] = {label: [] for label in trees}
    moves: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
    per_session = max(1, args.rounds // args.sessions)
    for _ in range(args.sessions):
        for label, tree in trees.items():
            command = (f"sh -c 'cd / && PYTHONPATH={tree} exec {sys.executable} -m dongwu_tui --db {args.db} "
                       f"--as {ACTOR}'")
            results[label] += session_rounds(command, args.text, wanted, per_session, moves[label])
    bare = tmux.launch(f"{sys.executable} -m bench.apps bare", "bare-keys")
    bare.wait_for(lambda s: "READY" in s)
    floor = [bare.key_to_screen("j", settle=0.15) * 1000 for _ in range(20)]
    bare.close()
    print(f"text 「{args.text}」, {per_session * args.sessions} rounds per tree; ms key → matching rows drawn")
    print("| tree | " + " | ".join(f"key {i + 1} 「{args.text[: i + 1]}」 median / p95" for i in range(len(args.text)))
          + " | every key median / p95 |")
    print("|---|" + "---:|" * (len(args.text) + 1))
    for label, rounds in results.items():
        cells = []
        for i in range(len(args.text)):
            m, p = _stats([r[i] for r in rounds])
            cells.append(f"{m:.1f} / {p:.1f}")
        m, p = _stats([t for r in rounds for t in r])
        cells.append(f"{m:.1f} / {p:.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\nms key → the screen's last change (10 per session), beside the bare app's key → label")
    print("| tree | Down median / p95 | PageDown median / p95 |\n|---|---:|---:|")
    for label, keys in moves.items():
        cells = []
        for key in ("Down", "PageDown"):
            m, p = _stats(keys[key])
            cells.append(f"{m:.1f} / {p:.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    m, p = _stats(floor)
    print(f"| bare app, `j` | {m:.1f} / {p:.1f} | |")


if __name__ == "__main__":
    main()
