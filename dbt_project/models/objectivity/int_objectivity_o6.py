"""Grain: one row per school × paper (procedure × grade × subject) present in two
consecutive academic years, reported under the later year. Never for EGE.

O6 year-over-year jump (project's own): Δ = the change of the school's mean share of the
maximum score from one year to the next. Flagged when Δ lies outside
[Q25 − 3·IQR, Q75 + 3·IQR] of all schools' Δ for that paper (quartiles with linear
interpolation, over schools with at least 10 participants in both years) and Welch's t-test
of the two years' pupil shares (as scipy.stats.ttest_ind with equal_var=False) gives
p < 0.01, so a small school is not flagged by noise alone. statistic = Δ, threshold = the
bound on Δ's side of the median; details carry both bounds, the quartiles and the t-test.
Each school-year is read as its count, mean and variance (aggregated in DuckDB), and the
t-test is computed from those: the same test without bringing a region's 1.2M pupil shares
into pandas. The p-value comes from Student's t distribution (scipy.special.stdtr), which O4
has loaded already; importing scipy.stats for it cost every run a second or two.
"""
import json
import math

import numpy as np
import pandas as pd
from scipy.special import stdtr


def _prev_year(academic_year: str) -> str:
    start = int(academic_year[:4])
    return f"{start - 1}-{start}"


def _welch(later, earlier) -> dict:
    """Welch's t-test of two years' shares from their counts (at least 2 each), means and
    sample variances. Undefined (None) when every pupil of each year has the same share."""
    a, b = later.var / later.n, earlier.var / earlier.n
    if a + b == 0:
        return {"t": None, "p_value": None, "df": None}
    t = (later.mean - earlier.mean) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (later.n - 1) + b * b / (earlier.n - 1))   # Welch–Satterthwaite
    return {"t": float(t), "p_value": float(2 * stdtr(df, -abs(t))), "df": float(df)}


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    min_n = int(dbt.config.get("min_participants"))
    min_schools = int(dbt.config.get("min_schools_quartiles"))
    k = float(dbt.config.get("iqr_factor"))
    max_p = float(dbt.config.get("o6_max_p"))

    pupils = dbt.ref("int_objectivity_papers")
    # One row per school × paper × year: n, mean and sample variance (ddof 1, as Welch's test),
    # rounded so that the order DuckDB's threads add in cannot move a school across a bound.
    stats = pupils.query("pupils", """
        select academic_year, procedure, grade, subject, school_login,
               min("window") as "window", min(municipality) as municipality,
               min(school_kind) as school_kind,
               count(*) as n, round(avg(share_of_max), 12) as mean,
               round(var_samp(share_of_max), 12) as var
        from pupils where procedure <> 'ege' and share_of_max is not null
        group by all
    """).df()

    years = {(r.academic_year, r.procedure, r.grade, r.subject, r.school_login): r
             for r in stats.itertuples(index=False)}
    pairs = []
    for (year, procedure, grade, subject, login), later in years.items():
        earlier = years.get((_prev_year(year), procedure, grade, subject, login))
        if earlier is None:
            continue
        pairs.append({"key": (year, procedure, grade, subject), "login": login,
                      "earlier": earlier, "later": later,
                      "delta": float(later.mean - earlier.mean)})

    rows = []
    by_paper = {}
    for p in pairs:
        by_paper.setdefault(p["key"], []).append(p)
    for (year, procedure, grade, subject), group in sorted(by_paper.items()):
        eligible = [p["delta"] for p in group if min(p["earlier"].n, p["later"].n) >= min_n]
        if len(eligible) >= min_schools:
            q25, median, q75 = (float(v) for v in np.percentile(eligible, [25, 50, 75]))  # linear
            iqr = q75 - q25
            lower, upper = q25 - k * iqr, q75 + k * iqr
        else:
            q25 = median = q75 = iqr = lower = upper = None
        for p in sorted(group, key=lambda p: p["login"]):
            earlier, later = p["earlier"], p["later"]
            n = min(earlier.n, later.n)
            welch = _welch(later, earlier) if n >= 2 else None
            delta = p["delta"]
            if n < min_n or lower is None or welch is None or welch["p_value"] is None:
                status = "insufficient_data"
            elif (delta < lower or delta > upper) and welch["p_value"] < max_p:
                status = "flagged"
            else:
                status = "ok"
            outside = lower is not None and (delta < lower or delta > upper)
            if status == "insufficient_data":
                text = "Недостаточно данных: " + (
                    f"участников {earlier.n} ({_prev_year(year)}) и {later.n}, "
                    f"нужно не менее {min_n} в каждом году." if n < min_n else
                    f"школ для сравнения {len(eligible)}, нужно не менее {min_schools}."
                    if lower is None else "у всех участников одинаковая доля, t-критерий не определён.")
            else:
                text = (f"Средняя доля от максимума изменилась с {earlier.mean:.3f} до "
                        f"{later.mean:.3f} (Δ = {delta:+.3f}); допустимо "
                        f"[{lower:.3f}; {upper:.3f}], t-критерий Уэлча p = {welch['p_value']:.2g}"
                        + (" — резкое изменение." if status == "flagged" else
                           " — за пределами, но не значимо." if outside else "."))
            rows.append({
                "academic_year": year, "window": later.window, "municipality": later.municipality,
                "school_login": p["login"], "procedure": procedure, "grade": int(grade),
                "subject": subject, "check_code": "O6",
                "statistic": round(delta, 6) if status != "insufficient_data" else None,
                "threshold": (round(upper if delta >= median else lower, 6)
                              if status != "insufficient_data" else None),
                "n_participants": n, "flagged": status == "flagged", "status": status,
                "details": json.dumps({
                    "school_kind": later.school_kind, "earlier_year": _prev_year(year),
                    "participants_earlier": int(earlier.n), "participants_later": int(later.n),
                    "mean_share_earlier": round(float(earlier.mean), 4),
                    "mean_share_later": round(float(later.mean), 4),
                    "delta": round(delta, 4), "schools_compared": len(eligible),
                    "q25": q25, "median": median, "q75": q75, "iqr": iqr,
                    "lower_bound": lower, "upper_bound": upper, "iqr_factor": k,
                    "outside_bounds": outside, "welch": welch, "max_p": max_p,
                    "min_participants": min_n,
                }, ensure_ascii=False),
                "explanation": text,
            })
    columns = ["academic_year", "window", "municipality", "school_login", "procedure", "grade",
               "subject", "check_code", "statistic", "threshold", "n_participants", "flagged",
               "status", "details", "explanation"]
    return pd.DataFrame(rows, columns=columns).astype({
        "grade": "int64", "statistic": "float64", "threshold": "float64",
        "n_participants": "int64", "flagged": "bool"})
