"""Diagnostics: `file:line:col: error: message`, the offending line and a caret, collected not raised.

Front ends and importers append to a `Diagnostics` bag and keep going so that every problem of a
file is reported at once; `Diagnostics.raise_if_errors()` then raises one `CircuitError` carrying
all of them. The CLI prints `str(error)` and exits 1; nothing in here ever shows a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHOWN = 120  # characters of a long source line shown, around the column



@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place. `line` and `col` are 1-based; 0 means "not known"."""

    message: str
    path: str = "<input>"
    line: int = 0
    col: int = 0
    severity: str = "error"  # "error" or "warning"
    source_line: str | None = None

    def format(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.source_line is not None and self.line:
            shown, col = _window(self.source_line.rstrip("\n").expandtabs(1), self.col)
            text += f"\n    {shown}"
            if col:
                text += "\n    " + " " * (col - 1) + "^"
        return text

    def __str__(self) -> str:
        return self.format()


def _window(line: str, col: int) -> tuple[str, int]:
    """A long line cut to SHOWN characters around `col` (a 10 MB one-line file would otherwise
    be printed whole), with `...` where it was cut; the column moved along."""
    if len(line) <= SHOWN:
        return line, col
    start = max(0, min(col - 1 - SHOWN // 2, len(line) - SHOWN)) if col else 0
    head = "..." if start else ""
    tail = "..." if start + SHOWN < len(line) else ""
    return head + line[start:start + SHOWN] + tail, col - start + len(head) if col else 0


class CircuitError(Exception):
    """Raised with every error of an input at once (and its warnings, for context)."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.errors))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class MissingExtra(ImportError):
    """An optional extra is not installed; the message says what to pip install."""

    def __init__(self, what: str, extra: str, cause: Exception | None = None):
        detail = f" ({cause})" if cause else ""
        super().__init__(f"{what} needs the optional extra '{extra}'{detail}: "
                         f"pip install 'circuitc[{extra}]'")


@dataclass
class Diagnostics:
    """A bag that collects diagnostics for one source text."""

    path: str = "<input>"
    text: str | None = None
    items: list[Diagnostic] = field(default_factory=list)
    # the lines of `text`, split once (a file may have thousands of warnings), and of which text
    _lines: tuple[str | None, list[str]] = field(default=(None, []), init=False, repr=False,
                                                 compare=False)

    def _line(self, line: int) -> str | None:
        if self.text is None or line <= 0:
            return None
        if self._lines[0] is not self.text:  # importers set or replace the text as they go
            self._lines = (self.text, self.text.splitlines())
        lines = self._lines[1]
        return lines[line - 1] if line <= len(lines) else None

    def error(self, message: str, line: int = 0, col: int = 0) -> None:
        self.items.append(Diagnostic(message, self.path, line, col, "error", self._line(line)))

    def warning(self, message: str, line: int = 0, col: int = 0) -> None:
        self.items.append(Diagnostic(message, self.path, line, col, "warning", self._line(line)))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            self.items.sort(key=lambda d: (d.line, d.col))
            raise CircuitError(self.items)
