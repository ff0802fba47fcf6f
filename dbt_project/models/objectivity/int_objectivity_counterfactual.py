"""Grain: one row per paper (academic_year × procedure × grade × subject) × primary score
0..max, for the O4 papers (every VPR paper; OGE Russian and mathematics).

The regional histogram of primary scores and its smooth counterfactual (Dee, Dobbie, Jacob &
Rockoff 2019): a degree-5 polynomial least-squares fit on the scores outside b−1..b+1 of every
mark boundary b (the lowest score of marks 3, 4 and 5). The fit at a boundary is what the
region would show there without bunching; O4 tests each school against it, and the workbook
draws it under the histogram. A paper with fewer than 50 pupils (a distribution shape,
INDICATORS.md §B) gets status insufficient_data and no fit.
"""
import numpy as np
import pandas as pd


def _fit(counts: np.ndarray, boundaries: list[int], degree: int, halfwidth: int):
    scores = np.arange(len(counts))
    keep = np.ones(len(counts), dtype=bool)
    for b in boundaries:
        keep[max(0, b - halfwidth): b + halfwidth + 1] = False
    degree = min(degree, int(keep.sum()) - 1)
    if degree < 1:
        return None, keep
    # Polynomial.fit rescales the scores to [-1, 1], so degree 5 stays well conditioned.
    poly = np.polynomial.Polynomial.fit(scores[keep], counts[keep], degree)
    return poly(scores), keep


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    degree = int(dbt.config.get("o4_degree"))
    halfwidth = int(dbt.config.get("o4_exclude_halfwidth"))
    min_shape = int(dbt.config.get("min_participants_shape"))
    subjects = [s.strip() for s in str(dbt.config.get("scope_subjects")).split("|")]

    pupils = dbt.ref("int_objectivity_papers")
    subject_list = ", ".join("'" + s.replace("'", "''") + "'" for s in subjects)
    hist = pupils.query("pupils", f"""
        select academic_year, procedure, grade, subject,
               any_value(max_score) as max_score, any_value(min_3) as min_3,
               any_value(min_4) as min_4, any_value(min_5) as min_5,
               primary_score, count(*) as pupils
        from pupils
        where max_score is not null and primary_score is not null
          and (procedure = 'vpr' or (procedure = 'oge' and subject in ({subject_list})))
        group by academic_year, procedure, grade, subject, primary_score
    """).df()

    out = []
    for key, g in hist.groupby(["academic_year", "procedure", "grade", "subject"], sort=True):
        max_score = int(g["max_score"].iloc[0])
        boundaries = sorted({int(b) for b in g[["min_3", "min_4", "min_5"]].iloc[0] if pd.notna(b)})
        counts = np.zeros(max_score + 1)
        for s, n in zip(g["primary_score"], g["pupils"]):
            if 0 <= int(s) <= max_score:
                counts[int(s)] += n
        total = counts.sum()
        fitted, keep = (None, None)
        if total >= min_shape:
            fitted, keep = _fit(counts, boundaries, degree, halfwidth)
        status = "ok" if fitted is not None else "insufficient_data"
        clipped = np.clip(fitted, 0, None) if fitted is not None else None
        for s in range(max_score + 1):
            out.append({
                "academic_year": key[0], "procedure": key[1], "grade": int(key[2]), "subject": key[3],
                "max_score": max_score,
                "min_3": boundaries[0] if len(boundaries) > 0 else None,
                "min_4": boundaries[1] if len(boundaries) > 1 else None,
                "min_5": boundaries[2] if len(boundaries) > 2 else None,
                "primary_score": s,
                "pupils": int(counts[s]),
                "region_participants": int(total),
                "share": counts[s] / total if total else None,
                "is_boundary": s in boundaries,
                "in_fit": bool(keep[s]) if keep is not None else None,
                "counterfactual": float(fitted[s]) if fitted is not None else None,
                "counterfactual_share": float(clipped[s] / clipped.sum()) if clipped is not None and clipped.sum() > 0 else None,
                "status": status,
            })
    columns = ["academic_year", "procedure", "grade", "subject", "max_score", "min_3", "min_4",
               "min_5", "primary_score", "pupils", "region_participants", "share", "is_boundary",
               "in_fit", "counterfactual", "counterfactual_share", "status"]
    df = pd.DataFrame(out, columns=columns)
    return df.astype({"grade": "int64", "primary_score": "int64", "pupils": "int64",
                      "max_score": "int64", "region_participants": "int64",
                      "min_3": "Int64", "min_4": "Int64", "min_5": "Int64",
                      "share": "float64", "counterfactual": "float64",
                      "counterfactual_share": "float64", "is_boundary": "bool",
                      "in_fit": "boolean"})
