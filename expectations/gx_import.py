"""Great Expectations, imported without the scipy.stats it imports and msoko never uses.

`import great_expectations` imports every core expectation, the KL-divergence one among
them, and that module imports scipy.stats: ≈1.0 s of GX's ≈2.5–2.8 s import
(`python -X importtime`), paid by every run that validates a file — a school's one
corrected file included. msoko's suites use neither that expectation nor the KS-test
metrics, GX 1.x's only users of scipy.stats. So GX is imported with a stand-in for
scipy.stats that fails loudly if anything reads from it; once GX is in, the stand-in leaves
sys.modules and a later `import scipy.stats` gets the real module.
"""
from __future__ import annotations

import sys
import threading
import types

STATS = "scipy.stats"
_lock = threading.Lock()


class StatsNotImported(types.ModuleType):
    """What GX's KL-divergence and KS-test modules hold as `stats`."""

    def __getattr__(self, name: str):
        raise ImportError(f"{STATS}.{name}: Great Expectations was imported without "
                          f"{STATS} (expectations/gx_import.py); the expectation that needs it "
                          f"is not one msoko uses")


def import_gx() -> types.ModuleType:
    """The great_expectations module, imported once per process as described above."""
    with _lock:
        if "great_expectations" in sys.modules:
            import great_expectations
            return great_expectations
        stand_in = None
        if STATS not in sys.modules:          # already imported for real: nothing to save
            stand_in = sys.modules[STATS] = StatsNotImported(STATS)
        try:
            import great_expectations
        finally:
            if stand_in is not None:
                if sys.modules.get(STATS) is stand_in:
                    del sys.modules[STATS]
                scipy = sys.modules.get("scipy")
                if scipy is not None and vars(scipy).get("stats") is stand_in:
                    delattr(scipy, "stats")
        return great_expectations
