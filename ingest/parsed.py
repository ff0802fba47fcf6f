"""What parsing one file yields, whatever its format: candidate rows for validation,
per-criterion scores, warnings about cleaned dirt, or the reason the file was rejected."""
from __future__ import annotations

from dataclasses import dataclass, field

from ingest import cells


@dataclass
class ParsedFile:
    sha256: str
    rel_path: str
    kind: str                          # 'pupil_results' | 'exam_results' | 'unknown'
    status: str = "parsed"             # 'parsed' | 'rejected' | 'duplicate' (same bytes seen under another path)
    message: str | None = None         # Russian, why rejected
    reject_code: str | None = None
    sheet: str | None = None
    procedure: str | None = None
    subject: str | None = None
    grade: int | None = None
    year: int | None = None
    school_login: str | None = None    # set for a per-school file, None for multi-school
    rows_read: int = 0
    dropped_name_columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)        # candidate rows (validated later)
    criteria: list[tuple] = field(default_factory=list)   # (row_number, column_no, label, max, points, not_done)
    warnings: list[dict] = field(default_factory=list)    # dirt that could not be cleaned, kept with the row
    cleaned: dict[str, int] = field(default_factory=dict) # kind of unambiguous dirt -> cells cleaned

    def reject(self, code: str, message: str) -> "ParsedFile":
        self.status, self.reject_code, self.message = "rejected", code, message
        self.rows, self.criteria, self.warnings, self.cleaned = [], [], [], {}
        return self

    def count_clean(self, kind: str, n: int = 1) -> None:
        """Dirt cleaned unambiguously is not reported row by row, only counted (INPUTS.md §2)."""
        self.cleaned[kind] = self.cleaned.get(kind, 0) + n

    def warn(self, row_number: int, column: str, value: str, rule: str, message: str) -> None:
        self.warnings.append({
            "sha256": self.sha256, "sheet": self.sheet, "row_number": row_number,
            "column_name": column, "value": cells.publishable(value), "rule": rule,
            "message": message,
        })
