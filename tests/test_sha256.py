"""examples/large/sha256.circ is SHA-256's compression function: its simulation against
Python's hashlib (an independent implementation), on one-block messages (state = the standard's
initial value, output = the digest) and on a two-block message (the second compression starts
from the first one's output, an arbitrary state)."""

from __future__ import annotations

import hashlib
import random
import struct

import pytest

from circuitc.frontend import parse_file
from circuitc.simulate import Schedule, simulate
from conftest import REPO

IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
      0x5BE0CD19]  # FIPS 180-4, 5.3.3


def padded_blocks(message: bytes) -> list[list[int]]:
    """The message padded (FIPS 180-4, 5.1.1) and cut into blocks of 16 big-endian words."""
    data = message + b"\x80" + bytes(-(len(message) + 9) % 64) + struct.pack(">Q", 8 * len(message))
    return [list(struct.unpack(">16I", data[i:i + 64])) for i in range(0, len(data), 64)]


def as_port(words: list[int]) -> int:
    """Words as the circuit's port value: word t in bits 32t .. 32t + 31."""
    return sum(w << (32 * t) for t, w in enumerate(words))


def as_words(value: int) -> list[int]:
    return [value >> (32 * t) & 0xFFFFFFFF for t in range(8)]


@pytest.fixture(scope="module")
def sha256():
    circuit = parse_file(REPO / "examples" / "large" / "sha256.circ")
    return circuit, Schedule.of(circuit)


def digest(sha256, message: bytes) -> bytes:
    circuit, schedule = sha256
    state = IV
    for block in padded_blocks(message):
        ports = {"block": as_port(block), "state": as_port(state)}
        state = as_words(simulate(circuit, ports, schedule=schedule)["next"])
    return struct.pack(">8I", *state)


@pytest.mark.parametrize("message", [b"", b"abc", bytes(range(55))])
def test_one_block_messages_hash_as_hashlib(sha256, message):
    assert len(padded_blocks(message)) == 1
    assert digest(sha256, message) == hashlib.sha256(message).digest()


def test_two_blocks_chain_as_hashlib(sha256):
    message = random.Random(0).randbytes(100)
    assert len(padded_blocks(message)) == 2
    assert digest(sha256, message) == hashlib.sha256(message).digest()
