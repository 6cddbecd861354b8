"""Driving a program in a real terminal (tmux): launch to first screen, key to screen, resident memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

TMUX = shutil.which("tmux")
POLL_S = 0.002


class Control:
    """A tmux control-mode client (`tmux -C`) on the session: commands go down one pipe and their output comes
    back in %begin/%end blocks. Reading the screen this way costs ~0.3 ms of tmux's time; a `tmux capture-pane`
    process per look cost ~2.5 ms of CPU, and at one look every 2 ms that took most of one of the machine's
    two cores away from the program being timed (`python -m bench.startup_bench --poll-check` shows both)."""

    def __init__(self, socket: str) -> None:
        assert TMUX is not None
        # ignore-size: the window keeps the session's size; no-output: no copy of the pane's output here.
        # Buffered pipes: unbuffered, `readline` reads one byte per system call, so one look at a full styled desk
        # screen (~7 KB) took ~9 ms instead of well under 1 ms, and every key-to-screen figure of the desk
        # carried that delay while the bare app's near-empty screen did not.
        self.process = subprocess.Popen([TMUX, "-L", socket, "-C", "attach", "-t", "b", "-f", "ignore-size,no-output"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._block()  # the reply to the attach itself

    def _block(self) -> str:
        assert self.process.stdout is not None
        lines: list[bytes] = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                return ""
            if line.startswith(b"%begin"):
                lines = []
            elif line.startswith((b"%end", b"%error")):
                return b"".join(lines).decode("utf-8", "replace")
            elif not line.startswith(b"%"):
                lines.append(line)

    def command(self, *args: str) -> str:
        assert self.process.stdin is not None
        quoted = " ".join("'" + arg.replace("'", "'\\''") + "'" for arg in args)
        self.process.stdin.write(quoted.encode() + b"\n")
        self.process.stdin.flush()
        return self._block()

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@dataclass
class Session:
    socket: str
    started: float
    control: Control | None = None

    def _tmux(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True).stdout

    def _command(self, *args: str) -> str:
        if self.control is None:
            return self._tmux(*args)
        return self.control.command(*args)

    def screen(self, styles: bool = True) -> str:
        return self._command("capture-pane", "-p", *(["-e"] if styles else []), "-t", "b")

    def keys(self, *keys: str) -> None:
        self._command("send-keys", "-t", "b", *keys)

    def pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", "b", "#{pane_pid}").strip() or 0)

    def rss_mb(self) -> float:
        """Resident memory of the program in the pane (and its children)."""
        total = 0
        pids = [self.pid()]
        while pids:
            pid = pids.pop()
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                with open(f"/proc/{pid}/task/{pid}/children") as children:
                    pids += [int(p) for p in children.read().split()]
            except OSError:
                continue
        return total / 1024

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 60) -> float:
        """Seconds from launch until `ready(screen text)`; nan on timeout."""
        while time.perf_counter() - self.started < timeout:
            if ready(self.screen(styles=False)):
                return time.perf_counter() - self.started
            time.sleep(POLL_S)
        return float("nan")

    def key_to_screen(self, key: str, settle: float = 0.25, timeout: float = 5.0) -> float:
        """Seconds from sending `key` to the last change of the screen (stable for `settle` seconds after)."""
        before = self.screen()
        start = time.perf_counter()
        self.keys(key)
        last_change, current = None, before
        while time.perf_counter() - start < timeout:
            screen = self.screen()
            now = time.perf_counter()
            if screen != current:
                current, last_change = screen, now - start
            elif last_change is not None and now - start - last_change > settle:
                break
            time.sleep(POLL_S)
        return last_change if last_change is not None else float("nan")

    def look_cost(self, samples: int = 20) -> float:
        """Median seconds of one look at the screen as it is now, styles included, the way `key_to_screen` looks:
        the resolution of every key-to-screen figure taken on this screen."""
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            self.screen()
            times.append(time.perf_counter() - start)
        times.sort()
        return times[len(times) // 2]

    def close(self, wait: float = 5.0) -> None:
        """Kill the session and wait (up to `wait` seconds) until its program has exited: a program still
        finishing a query after its terminal closed would otherwise slow down the next launch measured."""
        pid = self.pid()
        if self.control is not None:
            self.control.close()
        self._tmux("kill-server")
        deadline = time.perf_counter() + wait
        while pid and os.path.exists(f"/proc/{pid}") and time.perf_counter() < deadline:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break  # a zombie has finished; only its parent's wait is left
            except OSError:
                break
            time.sleep(0.01)


def launch(command: str, name: str, width: int = 140, height: int = 40) -> Session:
    assert TMUX is not None, "tmux is not installed"
    socket = f"dongwu-bench-{os.getpid()}-{name}"
    subprocess.run([TMUX, "-L", socket, "kill-server"], capture_output=True)
    started = time.perf_counter()
    subprocess.run([TMUX, "-L", socket, "new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height),
                    f"exec {command}"], check=True)
    return Session(socket, started, Control(socket))
