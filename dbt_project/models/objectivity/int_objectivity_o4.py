"""Grain: one row per school × paper of the O4 scope (every VPR paper; OGE Russian and
mathematics).

O4 bunching at mark boundaries (project's own check; Dee, Dobbie, Jacob & Rockoff 2019 and
the FIOKO advice that peaks at the boundaries mark possible non-objectivity). For every
boundary b (lowest score of marks 3, 4, 5): among the school's pupils scoring b−2, b−1 or b,
the share at b is tested against the regional counterfactual share
fit(b) / (fit(b−2) + fit(b−1) + fit(b)) with a one-sided exact binomial test (the
p-value of scipy.stats.binomtest, alternative='greater'). Comparing within the window keeps
a strong school from being flagged for being strong. Flagged when some boundary has at least 10
pupils in its window and p < 0.001. statistic = the smallest p over the boundaries that have
enough pupils; details list every boundary with the counts, the expected count, the excess
and p, and the region's own observed / expected / excess at that boundary.
insufficient_data: fewer than 10 participants, a regional histogram too small to fit
(fewer than 50 pupils), or no boundary window with 10 pupils.
"""
import json
import math

import numpy as np
import pandas as pd
from scipy.special import bdtrc


def _json_number(x) -> str:
    """A number, a string or None as json.dumps(ensure_ascii=False) writes it."""
    if type(x) is float and math.isfinite(x):
        return float.__repr__(x)
    return json.dumps(x, ensure_ascii=False)


def _boundary_parts(region, b) -> tuple[str, str, str]:
    """The text of boundary b's details object around the school's own numbers, the same for
    every school of the paper, so encoded once per region: (up to pupils_in_window, between
    pupils_at_boundary and expected_at_boundary, from region_observed on)."""
    head = json.dumps({"boundary": b, "mark": region["marks"][b], "window": [b - 2, b]},
                      ensure_ascii=False)[:-1]
    share = json.dumps({"expected_share": round(region["shares"][b], 4)})[1:-1]
    tail = json.dumps({
        "region_observed": region["observed"][b],
        "region_expected": round(region["expected"][b], 2),
        "region_excess": round(region["observed"][b] - region["expected"][b], 2),
    }, ensure_ascii=False)[1:]
    return head + ', "pupils_in_window": ', ", " + share + ', "expected_at_boundary": ', ", " + tail


def _encode_paper_parts(region, min_n) -> None:
    """Adds to a paper's region what every school's details text shares: each boundary's
    parts (_boundary_parts) and the text after the boundaries."""
    region["parts"] = {b: _boundary_parts(region, b) for b in region["shares"]}
    region["details_tail"] = ", " + json.dumps({
        "region_participants": region["participants"], "min_participants": min_n,
        "test": "exact binomial, one-sided (greater): scipy.special.bdtrc",
    }, ensure_ascii=False)[1:]


def _school_row(key, counts, kind, region, min_n, max_p):
    """counts: the school's number of pupils at each primary score (index = score), a list
    of ints (≈18,000 schools × papers a region: numpy calls on three-element slices cost
    more than the arithmetic). The details text is what json.dumps writes for them, with the
    paper's own parts encoded once (_encode_paper_parts): json.dumps per school was a quarter of
    the model's time."""
    academic_year, window, procedure, grade, subject, municipality, login = key
    fit = region["fit"]
    n = sum(counts)
    boundaries = []         # (b, in_window, at_b, expected, p, testable)
    texts = []
    for b, share in region["shares"].items():     # none without a fit
        in_window = sum(counts[b - 2: b + 1])
        at_b = counts[b] if b < len(counts) else 0
        # One-sided exact binomial test, P(X ≥ at_b) for X ~ Bin(in_window, share): the
        # p-value scipy.stats.binomtest(alternative='greater') gives, from the survival
        # function directly (binomtest costs ≈125 µs a call, ×54,000 boundaries a region).
        p = float(bdtrc(at_b - 1, in_window, share)) if in_window else None
        expected = in_window * share
        testable = in_window >= min_n
        boundaries.append((b, in_window, at_b, expected, p, testable))
        head, middle, tail = region["parts"][b]
        # (expected and the excess are finite floats: json.dumps writes their repr)
        texts.append(f"{head}{in_window}, \"pupils_at_boundary\": {at_b}{middle}"
                     f"{round(expected, 2)!r}, \"excess\": {round(at_b - expected, 2)!r}, "
                     f"\"p_value\": {_json_number(p)}, "
                     f"\"testable\": {'true' if testable else 'false'}{tail}")
    testable = [bd for bd in boundaries if bd[5] and bd[4] is not None]
    if n < min_n or fit is None or not testable:
        status, statistic, worst = "insufficient_data", None, None
    else:
        worst = min(testable, key=lambda bd: bd[4])
        statistic = worst[4]
        status = "flagged" if statistic < max_p else "ok"
    if status == "insufficient_data":
        text = ("Недостаточно данных: " + (
            f"участников {n}, нужно не менее {min_n}." if n < min_n else
            f"в регионе участников {region['participants']}, для сглаженного распределения нужно "
            f"не менее {region['min_shape']}." if fit is None else
            f"ни у одной границы отметки нет {min_n} участников с баллами b−2…b."))
    else:
        b, in_window, at_b, expected, p, _ = worst
        text = (f"Граница отметки «{region['marks'][b]}» ({b} б.): из {in_window} "
                f"участников с баллами {b - 2}–{b} ровно {b} б. у {at_b}, "
                f"по сглаженному распределению региона ожидалось {round(expected, 2):.1f}; "
                f"p = {p:.2g} ({'меньше' if status == 'flagged' else 'не меньше'} {max_p}).")
    # (concatenated, not an f-string: dbt reads a doubled brace in a Python model as Jinja)
    details = ('{"school_kind": ' + _json_number(kind) + ', "worst_boundary": '
               + _json_number(worst[0] if worst else None) + ', "boundaries": ['
               + ", ".join(texts) + "]" + region["details_tail"])
    return {
        "academic_year": academic_year, "window": window, "municipality": municipality,
        "school_login": login, "procedure": procedure, "grade": int(grade), "subject": subject,
        "check_code": "O4", "statistic": statistic, "threshold": max_p, "n_participants": n,
        "flagged": status == "flagged", "status": status,
        "details": details,
        "explanation": text,
    }


def _boundary_shares(fit, boundaries) -> dict:
    """Boundary b -> the counterfactual share at b within the window b−2…b,
    fit(b) / (fit(b−2) + fit(b−1) + fit(b)): the same for every school of the paper, so
    computed once per region. Boundaries below 2 have no window."""
    if fit is None:
        return {}
    shares = {}
    for b in boundaries:
        if b < 2:
            continue
        f = np.clip(fit[b - 2: b + 1], 1e-9, None)
        shares[b] = float(f[2] / f.sum())
    return shares


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    min_n = int(dbt.config.get("min_participants"))
    min_shape = int(dbt.config.get("min_participants_shape"))
    max_p = float(dbt.config.get("o4_max_p"))

    cf = dbt.ref("int_objectivity_counterfactual").df()
    pupils = dbt.ref("int_objectivity_papers")
    # The test reads only how many of a school's pupils have each score: DuckDB counts them,
    # so a region's 1.2M pupil rows never come into pandas.
    histograms = pupils.query("pupils", """
        select academic_year, "window", procedure, grade, subject, municipality, school_login,
               min(school_kind) as school_kind,
               list(primary_score::int order by primary_score) as scores,
               list(pupils order by primary_score) as pupils
        from (
            select academic_year, "window", procedure, grade, subject, municipality, school_login,
                   min(school_kind) as school_kind, primary_score, count(*) as pupils
            from pupils where primary_score is not null
            group by all
        )
        group by all
        order by academic_year, "window", procedure, grade, subject, municipality, school_login
    """).fetchall()     # plain tuples: pandas' Arrow-backed list columns iterate ≈5x slower

    regions = {}
    for key, g in cf.groupby(["academic_year", "procedure", "grade", "subject"], sort=False):
        g = g.sort_values("primary_score")
        ok = (g["status"] == "ok").all()
        first = g.iloc[0]
        marks = {int(first[c]): m for c, m in (("min_3", 3), ("min_4", 4), ("min_5", 5)) if pd.notna(first[c])}
        fit = g["counterfactual"].to_numpy(dtype=float) if ok else None
        regions[key] = {
            "fit": fit, "shares": _boundary_shares(fit, sorted(marks)), "marks": marks,
            "observed": dict(zip(g["primary_score"].astype(int), g["pupils"].astype(int))),
            "expected": dict(zip(g["primary_score"].astype(int),
                                 g["counterfactual"].astype(float).fillna(np.nan))),
            "participants": int(first["region_participants"]), "min_shape": min_shape,
        }
        _encode_paper_parts(regions[key], min_n)

    rows = []
    for *key, school_kind, scores, pupils_at_score in histograms:
        key = tuple(key)    # academic_year, window, procedure, grade, subject, municipality, login
        region = regions.get((key[0], key[2], key[3], key[4]))
        if region is None:  # not an O4 paper (EGE, OGE electives, a paper without a scale)
            continue
        counts = [0] * (max(scores) + 1)
        for score, n in zip(scores, pupils_at_score):
            counts[score] = n
        rows.append(_school_row(key, counts, school_kind, region, min_n, max_p))
    columns = ["academic_year", "window", "municipality", "school_login", "procedure", "grade",
               "subject", "check_code", "statistic", "threshold", "n_participants", "flagged",
               "status", "details", "explanation"]
    return pd.DataFrame(rows, columns=columns).astype({
        "grade": "int64", "statistic": "float64", "threshold": "float64",
        "n_participants": "int64", "flagged": "bool"})
