"""A progress bar for long steps, on stderr, only when the CLI turned it on and stderr is a
terminal (silent under --json, in pipes, in tests and through the Python API). No dependency: a
dozen lines do what the long steps need (a label, a count, a rate and an estimate of the rest).
"""

from __future__ import annotations

import sys
import time

_enabled = False


def enable(on: bool = True) -> None:
    """Show progress bars from now on (the CLI calls this unless --json)."""
    global _enabled
    _enabled = on


class Bar:
    """`with Bar(total, "label") as bar: ... bar.update(n)`; a no-op unless enabled on a TTY."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = max(1, int(total)), label, 0
        self.live = _enabled and sys.stderr.isatty()
        self.start = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.live and (now - self.last > 0.2 or self.done >= self.total):
            self.last = now
            frac = min(1.0, self.done / self.total)
            rest = (now - self.start) * (1 - frac) / frac if frac else 0.0
            bar = "#" * int(24 * frac)
            sys.stderr.write(f"\r{self.label}: [{bar:<24}] {100 * frac:5.1f}% "
                             f"{now - self.start:6.0f}s elapsed, ~{rest:.0f}s left ")
            sys.stderr.flush()

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc) -> None:
        if self.live and self.done:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
