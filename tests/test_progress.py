"""The progress bar: only on a terminal, and only when the CLI turned it on."""

import io
import sys

from circuitc import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_silent_unless_enabled_and_on_a_terminal(monkeypatch):
    for enabled, stream in [(False, Terminal()), (True, io.StringIO()), (True, Terminal())]:
        monkeypatch.setattr(sys, "stderr", stream)
        progress.enable(enabled)
        try:
            with progress.Bar(4, "step") as bar:
                for _ in range(4):
                    bar.update()
        finally:
            progress.enable(False)
        shown = stream.getvalue()
        if enabled and isinstance(stream, Terminal):
            assert "step: [" in shown and "100.0%" in shown
        else:
            assert shown == ""
