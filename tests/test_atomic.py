"""circuitc.atomic: outputs appear whole or not at all, with the mode a plain open() gives."""

from __future__ import annotations

import os
import stat

import pytest

from circuitc.atomic import atomic_file, write_atomic


def test_the_file_appears_whole_with_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "net.npz", b"data")
        with open(tmp_path / "plain", "wb") as f:
            f.write(b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "net.npz").read_bytes() == b"data"
    mode = stat.S_IMODE((tmp_path / "net.npz").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz", "plain"]  # no temporary


def test_a_failure_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "net.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as handle:
            handle.write(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]
