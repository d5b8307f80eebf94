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

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_Silent":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def progress(total: int, desc: str, unit: str = "it", enabled: bool = True) -> Any:
    """A context manager with update(n) and set_postfix_str(text) (what it is doing now): a tqdm
    bar on a terminal, else a silent stand-in. Commands pass enabled=False for --json."""
    if not (enabled and sys.stderr.isatty()):
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Silent()
    # counts in the thousands read better scaled (1.2M sample, 3.4GB); small ones as integers
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=total >= 10_000, file=sys.stderr,
                leave=False, dynamic_ncols=True)
