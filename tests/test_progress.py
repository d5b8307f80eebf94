"""Progress bars (circuitc.progress): the long steps of compile, check, export, eval, gen and
save draw a bar on stderr when it is a terminal, and nothing when it is not or with --json.

The commands run in fresh processes with stderr on a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading

import pytest

from circuitc.gen import uand_circ

pytest.importorskip("tqdm")
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "circuits", "adder.circ")


def circuitc(*args: str, cwd, tty: bool) -> tuple[str, str]:
    """(stdout, stderr) of `circuitc ARGS`, its stderr a pseudo-terminal when `tty`."""
    command = [sys.executable, "-m", "circuitc", *args]
    if not tty:
        run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        return run.stdout, run.stderr
    terminal, child_end = pty.openpty()
    # a terminal 100 columns wide (a fresh pseudo-terminal has 0, and tqdm draws nothing in 0)
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=child_end)
    os.close(child_end)
    chunks: list[bytes] = []

    def drain() -> None:  # read as it comes: a full terminal buffer would block the child
        while True:
            try:
                data = os.read(terminal, 1 << 16)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = process.communicate(timeout=300)[0]
    reader.join(timeout=60)
    os.close(terminal)
    assert process.returncode == 0, b"".join(chunks).decode(errors="replace")
    return stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_superposed_compile_shows_each_stage(tmp_path):
    (tmp_path / "u.circ").write_text(uand_circ(100))  # as tests/test_memory.py: it compiles
    _, bars = circuitc("compile", "u.circ", "--mode", "superposed", "--samples", "2000", "-o",
                       "u.npz", cwd=tmp_path, tty=True)
    for stage in ("passes", "width search", "check", "save u.npz"):
        assert stage in bars, bars
    assert "%|" in bars  # a tqdm bar, not a message


def test_compile_is_silent_with_json_and_when_stderr_is_not_a_terminal(tmp_path):
    _, bars = circuitc("compile", EXAMPLE, "-o", "a.npz", cwd=tmp_path, tty=True)
    assert "passes" in bars and "save a.npz" in bars, bars
    assert circuitc("compile", EXAMPLE, "-o", "a.npz", "--json", cwd=tmp_path, tty=True)[1] == ""
    assert circuitc("compile", EXAMPLE, "-o", "a.npz", cwd=tmp_path, tty=False)[1] == ""


def test_eval_check_export_and_gen_show_bars_on_a_terminal(tmp_path):
    circuitc("compile", EXAMPLE, "-o", "a.npz", cwd=tmp_path, tty=False)
    for args, stage in [(("eval", "a.npz"), "eval"), (("check", EXAMPLE), "passes"),
                        (("export", EXAMPLE, "--to", "bench", "--after-passes"), "passes"),
                        (("gen", "sparse", "--wires", "30", "--levels", "3", "--active", "3"),
                         "generate")]:
        out, bars = circuitc(*args, cwd=tmp_path, tty=True)
        assert stage in bars and stage not in out, (args, bars)
    assert circuitc("eval", "a.npz", "--json", cwd=tmp_path, tty=True)[1] == ""
    assert circuitc("check", EXAMPLE, cwd=tmp_path, tty=False)[1] == ""
