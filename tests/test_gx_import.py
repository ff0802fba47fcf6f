"""expectations/gx_import.py: Great Expectations imported without scipy.stats and altair
still runs msoko's suites, the expectation that would need them fails loudly, and both stay
importable. In a fresh interpreter: the test process may have imported GX or
scipy already."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = r"""
import sys
import pandas as pd
from expectations.gx_import import import_gx, NotImportedForGX
from expectations.gx_runner import run_suite
from expectations.pupil_results import pupil_result_rules

gx = import_gx()
assert "scipy.stats" not in sys.modules, "the stand-in outlived the import"
assert "altair" not in sys.modules, "the stand-in outlived the import"

# a suite runs and names the failing rows: row 1 has no pupil code, row 2 an unknown school
frame = pd.DataFrame({"sha256": ["h"] * 3, "row_number": [4, 5, 6],
                      "pupil_code": ["10001", None, "10003"],
                      "school_login": ["sch000001", "sch000001", "sch999999"],
                      "bad_value": [None] * 3, "bad_column": [None] * 3})
rules = [r for r in pupil_result_rules({"sch000001"})
         if r.code in ("missing_pupil_code", "unknown_school")]
print({o.rule.code: (o.success, o.failed_index) for o in run_suite("probe", frame, rules)})

# the one expectation that wanted them holds the stand-ins, which say why they fail
import great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than as kl
for stand_in, name in ((kl.stats, "entropy"), (kl.alt, "Chart")):
    assert isinstance(stand_in, NotImportedForGX)
    try:
        getattr(stand_in, name)
    except ImportError as error:
        assert "expectations/gx_import.py" in str(error), error
    else:
        raise AssertionError("the stand-in answered")

import scipy.stats
print("real", scipy.stats.norm.cdf(0))
import altair
print("real altair", altair.Chart.__name__)
print("again", import_gx() is gx)
"""


def test_gx_without_scipy_stats_and_altair_validates_and_both_stay_importable():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "{'missing_pupil_code': (False, [1]), 'unknown_school': (False, [2])}"
    assert lines[1:] == ["real 0.5", "real altair Chart", "again True"]
