"""Demo data for msoko: realistic, dirty input files with known answers.

- `msoko.demo.layouts` — writers of the real input layouts (INPUTS.md), byte-deterministic;
  test fixtures use them with small hand-made rows.
- `msoko.demo.municipality.write_demo_inbox(inbox, seed=2025)` — the demo municipality
  «Зырянский район» (three academic years, three districts) and its truth file.

`write_demo_inbox` is re-exported lazily, so importing the layouts stays light.
"""
from __future__ import annotations

__all__ = ["write_demo_inbox"]


def __getattr__(name: str):
    if name == "write_demo_inbox":
        from .municipality import write_demo_inbox

        return write_demo_inbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
