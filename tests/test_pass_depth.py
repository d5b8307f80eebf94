from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.passes.depth import UNCORRECTED_LIMIT, depth
from circuitc.passes.levelize import levelize


def chain(n):
    c = Circuit("t")
    x = c.add_input("a")
    for _ in range(n):
        x = c.add_gate(K.OP_NOT, [x])
    c.add_output("y", x)
    return c


def test_depth_within_limits_has_no_warnings():
    report = depth(levelize(chain(3))[0], max_depth=3)
    assert report["depth"] == 3 and report["ok"] is True
    assert report["warnings"] == [] and not report["needs_correction"]


def test_depth_over_the_maximum_and_the_uncorrected_limit_warns():
    report = depth(chain(6), max_depth=5)  # works without LEVEL too (longest path)
    assert report["depth"] == 6 and report["ok"] is False
    assert report["uncorrected_limit"] == UNCORRECTED_LIMIT == 4 and report["needs_correction"]
    assert len(report["warnings"]) == 2
    assert "error correction" in report["warnings"][1]


def test_limit_is_configurable():
    assert depth(chain(6), uncorrected_limit=8)["warnings"] == []
    assert depth(chain(6))["ok"] is None
