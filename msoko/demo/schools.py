"""The demo region: Томская область, three districts, thirty schools, and each school's role.

The demo municipality is «Зырянский район» (the four schools named in the source documents,
plus a gymnasium and more СОШ/ООШ). Its two neighbours, «Тегульдетский район» and
«Асиновский район», are in the inbox only through multi-school FIS OKO exports, so the
region is bigger than the municipality — as it is for a real department.

Logins: `sch7MMNNN` (MM = district, NNN = school), the same number with `edu` in forms.
Exam codes: OGE `9MMNNN`, EGE `1MMNNN` — deliberately unlike the logins, so a pipeline that
matched exam rows by login number would fail visibly.
"""
from __future__ import annotations

from dataclasses import dataclass

REGION = "Томская область"
REGION_CODE = 70
DEMO_MUNICIPALITY = "Зырянский район"

# Roles drive the planted cases (see municipality.py's truth file).
ROLE_NORMAL, ROLE_INFLATED, ROLE_LOW, ROLE_TINY = "normal", "inflated", "low_results", "tiny"


@dataclass(frozen=True)
class DemoSchool:
    login: str
    name: str
    municipality: str
    municipality_code: str
    kind: str  # СОШ | ООШ | гимназия
    settlement: str  # город | село
    size: int  # pupils per grade (grades 4 and 5)
    offset: float  # the school's ability level, in pupil standard deviations
    role: str = ROLE_NORMAL

    @property
    def number(self) -> str:
        return self.login[3:]

    @property
    def edu_login(self) -> str:
        return "edu" + self.number

    @property
    def has_grade_11(self) -> bool:
        return self.kind != "ООШ"

    @property
    def oge_code(self) -> str:
        return "9" + self.number[1:]

    @property
    def ege_code(self) -> str | None:
        return "1" + self.number[1:] if self.has_grade_11 else None

    @property
    def grade9_size(self) -> int:
        return max(3, round(self.size * 0.9))

    @property
    def grade11_size(self) -> int:
        return max(3, round(self.size * 0.45)) if self.has_grade_11 else 0

    @property
    def total_pupils(self) -> int:
        """A plausible head count for the registry (11 or 9 grades of about `size` pupils)."""
        return self.size * (11 if self.has_grade_11 else 9) - (self.size // 2 if self.has_grade_11 else 0)


def _district(name: str, code: int, rows: list[tuple]) -> list[DemoSchool]:
    return [
        DemoSchool(f"sch7{code:02d}{i:03d}", school_name, name, f"reg70_m{code:03d}", kind, settlement, size, offset, *role)
        for i, (school_name, kind, settlement, size, offset, *role) in enumerate(rows, 1)
    ]


ZYRYANSKY = _district(DEMO_MUNICIPALITY, 8, [
    ("МБОУ «Зырянская СОШ»", "СОШ", "село", 30, 0.0),
    ("МОУ «Михайловская СОШ»", "СОШ", "село", 44, 0.3, ROLE_INFLATED),
    ("МБОУ «Семёновская ООШ»", "ООШ", "село", 12, -0.15),
    ("МБОУ «Причулымская ООШ»", "ООШ", "село", 11, -0.2),
    ("МАОУ «Зырянская гимназия»", "гимназия", "город", 50, 0.15),
    ("МБОУ «Зырянская СОШ №2»", "СОШ", "город", 28, 0.05),
    ("МБОУ «Дубровская СОШ»", "СОШ", "село", 44, 0.3, ROLE_INFLATED),
    ("МБОУ «Чердатская СОШ»", "СОШ", "село", 15, -1.5, ROLE_LOW),
    ("МБОУ «Высоковская СОШ»", "СОШ", "село", 16, -0.1),
    ("МБОУ «Костёнкинская ООШ»", "ООШ", "село", 4, -0.1, ROLE_TINY),
    ("МБОУ «Шиняевская ООШ»", "ООШ", "село", 10, -0.2),
    ("МБОУ «Туендатская СОШ»", "СОШ", "село", 15, -0.1),
])

TEGULDETSKY = _district("Тегульдетский район", 15, [
    ("МБОУ «Тегульдетская СОШ»", "СОШ", "село", 30, 0.0),
    ("МБОУ «Белоярская СОШ»", "СОШ", "село", 20, -0.1),
    ("МБОУ «Берегаевская СОШ»", "СОШ", "село", 18, -0.2),
    ("МБОУ «Черноярская СОШ»", "СОШ", "село", 15, -0.15),
    ("МБОУ «Красногорская ООШ»", "ООШ", "село", 8, -0.2),
    ("МБОУ «Покровская ООШ»", "ООШ", "село", 7, -0.2),
    ("МБОУ «Четская ООШ»", "ООШ", "село", 6, -0.25),
    ("МБОУ «Хромовская ООШ»", "ООШ", "село", 7, -0.15),
    ("МБОУ «Байгалинская ООШ»", "ООШ", "село", 6, -0.2),
])

ASINOVSKY = _district("Асиновский район", 2, [
    ("МАОУ «СОШ №1 г. Асино»", "СОШ", "город", 55, 0.05),
    ("МАОУ «Гимназия №2 г. Асино»", "гимназия", "город", 55, 0.15),
    ("МБОУ «СОШ №4 г. Асино»", "СОШ", "город", 45, -0.05),
    ("МАОУ «СОШ №5 г. Асино»", "СОШ", "город", 50, 0.0),
    ("МБОУ «Новиковская СОШ»", "СОШ", "село", 18, -0.2),
    ("МБОУ «Большедороховская СОШ»", "СОШ", "село", 16, -0.15),
    ("МБОУ «Новокусковская СОШ»", "СОШ", "село", 22, -0.1),
    ("МБОУ «Ягодненская ООШ»", "ООШ", "село", 9, -0.2),
    ("МБОУ «Минаевская СОШ»", "СОШ", "село", 14, -0.2),
])

ALL_SCHOOLS: tuple[DemoSchool, ...] = (*ZYRYANSKY, *TEGULDETSKY, *ASINOVSKY)
BY_LOGIN = {s.login: s for s in ALL_SCHOOLS}

#: A per-school folder whose login is in no registry (a broken-file plant, 2022-2023).
UNKNOWN_SCHOOL = DemoSchool("sch708099", "МБОУ «Неизвестная СОШ»", DEMO_MUNICIPALITY, "reg70_m008", "СОШ", "село", 12, 0.0)

