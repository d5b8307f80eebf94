"""Progress bars for long commands: tqdm on stderr when it is a terminal, silent otherwise.

tqdm is an optional extra (pip install 'circuitc[progress]'); without it long commands run
silently, as they do when stderr is not a terminal or with --json.
"""

from __future__ import annotations

import sys
from typing import Any


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_Silent":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def progress(total: int, desc: str, unit: str = "it", enabled: bool = True) -> Any:
    """A context manager with update(n): a tqdm bar on a terminal, else a silent stand-in."""
    if not (enabled and sys.stderr.isatty()):
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Silent()
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr,
                leave=False, dynamic_ncols=True)
