"""The assessment windows msoko knows (INPUTS.md §1) and the procedure each one carries.

The window is the inbox folder name; the procedure code is what the tables say
(INDICATORS.md §D). A window's close date lives in the assessment calendar (orchestration).
"""
from __future__ import annotations

WINDOW_PROCEDURE: dict[str, str] = {
    "regional-monitoring-jan": "regional-monitoring",
    "vpr-spring": "vpr",
    "vpr-autumn": "vpr",
    "oge": "oge",
    "ege": "ege",
    "dkr-autumn": "dkr",
    "meta-diagnostics": "meta",
}

# Procedures whose files use the per-pupil VPR layout (INPUTS.md §2–§4).
PUPIL_LAYOUT_PROCEDURES = {"vpr", "dkr", "regional-monitoring", "meta"}
EXAM_PROCEDURES = {"oge", "ege"}


def spring_year(academic_year: str) -> int:
    """'2024-2025' -> 2025: reference tables key years by the spring calendar year."""
    return int(academic_year.split("-")[1])


def academic_year_of(spring: int) -> str:
    return f"{spring - 1}-{spring}"
