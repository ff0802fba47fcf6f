"""Great Expectations, imported without the scipy.stats and altair it imports and msoko
never uses.

`import great_expectations` imports every core expectation, the KL-divergence one among
them, and that module imports scipy.stats (≈1.0 s of GX's ≈2.5–2.8 s import) and altair
(≈0.13 s, for its Data Docs chart), paid by every run that validates a file — a school's one
corrected file included (`python -X importtime`). msoko's suites use neither that
expectation nor the KS-test metrics, GX 1.x's only users of scipy.stats, and no other GX
module imports altair. So GX is imported with stand-ins for both that fail loudly if
anything reads from them; once GX is in, the stand-ins leave sys.modules and a later
`import scipy.stats` or `import altair` gets the real module.
"""
from __future__ import annotations

import sys
import threading
import types

# What GX imports and msoko never calls: each gets a stand-in while GX imports.
UNUSED = ("scipy.stats", "altair")
_lock = threading.Lock()


class NotImportedForGX(types.ModuleType):
    """What GX's KL-divergence and KS-test modules hold as `stats` and `alt`."""

    def __getattr__(self, name: str):
        raise ImportError(f"{self.__name__}.{name}: Great Expectations was imported without "
                          f"{self.__name__} (expectations/gx_import.py); the expectation that "
                          f"needs it is not one msoko uses")


def import_gx() -> types.ModuleType:
    """The great_expectations module, imported once per process as described above."""
    with _lock:
        if "great_expectations" in sys.modules:
            import great_expectations
            return great_expectations
        # a module already imported for real stays: nothing to save
        stand_ins = {name: NotImportedForGX(name) for name in UNUSED if name not in sys.modules}
        sys.modules.update(stand_ins)
        try:
            import great_expectations
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
                parent, _, child = name.rpartition(".")
                holder = sys.modules.get(parent) if parent else None
                if holder is not None and vars(holder).get(child) is stand_in:
                    delattr(holder, child)
        return great_expectations
