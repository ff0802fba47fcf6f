"""The SQL models stay portable: no DuckDB-only syntax in dbt_project/models/**/*.sql.

The project is meant to run on Trino (dbt-trino) or Spark (dbt-spark) as well as DuckDB
(README «Beyond one region»). Dialect-specific SQL lives in dbt_project/macros/portable.sql,
dispatched per adapter with `adapter.dispatch(…, 'msoko')`: a model writes
`cast(x as double)`, `{{ string_agg_ordered(…) }}`, `{{ percentile_cont(…) }}`,
`{{ as_json(…) }}`, never `x::double`, `string_agg(… order by …)`, `quantile_cont(…)`,
`x::json`. Plain text checks, no dbt run: comments are left out, Python models are not read.
"""
from __future__ import annotations

import re
from pathlib import Path

DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
MODELS = DBT_PROJECT / "models"
PORTABLE_MACROS = DBT_PROJECT / "macros" / "portable.sql"

# DuckDB (or Postgres) syntax that Trino or Spark read differently or not at all, with the
# portable spelling to use instead.
FORBIDDEN = {
    r"::": "cast(x as type)",
    r"\bstring_agg\s*\(": "{{ string_agg_ordered(...) }}",
    r"\bgroup_concat\s*\(": "{{ string_agg_ordered(...) }}",
    r"\bquantile(_cont|_disc)?\s*\(": "{{ percentile_cont(...) }}",
    r"\bmedian\s*\(": "{{ percentile_cont(x, 0.5) }}",
    r"\blist\s*\(": "a macro in macros/portable.sql",
    r"\blist_\w+\s*\(": "a macro in macros/portable.sql",
    r"\bstruct_pack\s*\(": "a macro in macros/portable.sql",
    r"\bregexp_extract\s*\(": "a macro in macros/portable.sql (regex dialects differ)",
    r"\barg_(max|min)\s*\(": "a macro in macros/portable.sql (Trino and Spark: max_by / min_by)",
    r"\bstrftime\s*\(": "a macro in macros/portable.sql",
    r"\bstring_split\s*\(": "a macro in macros/portable.sql",
    r"\bgroup\s+by\s+all\b": "the grouping columns by name (Trino has no GROUP BY ALL)",
}

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
LINE_COMMENT = re.compile(r"--[^\n]*")


def without_comments(sql: str) -> str:
    """`sql` with Jinja {# #} and SQL -- comments blanked out, line numbers kept."""
    sql = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), sql)
    return LINE_COMMENT.sub("", sql)


def test_models_use_no_duckdb_only_syntax():
    models = sorted(MODELS.rglob("*.sql"))
    assert models, f"no SQL models under {MODELS}"
    found = []
    for path in models:
        lines = without_comments(path.read_text(encoding="utf-8")).splitlines()
        for number, line in enumerate(lines, start=1):
            for pattern, instead in FORBIDDEN.items():
                if re.search(pattern, line, re.IGNORECASE):
                    found.append(f"{path.relative_to(DBT_PROJECT)}:{number}: {line.strip()}"
                                 f"  — use {instead}")
    assert not found, "DuckDB-only SQL in models:\n" + "\n".join(found)


def test_portable_macros_have_every_engine():
    """Each dispatched macro has the DuckDB (default__), Trino and Spark implementations."""
    text = PORTABLE_MACROS.read_text(encoding="utf-8")
    dispatched = re.findall(r"adapter\.dispatch\('(\w+)', 'msoko'\)", text)
    assert dispatched
    defined = set(re.findall(r"\{%-?\s*macro\s+(\w+)\s*\(", text))
    missing = [f"{prefix}__{name}" for name in dispatched
               for prefix in ("default", "trino", "spark") if f"{prefix}__{name}" not in defined]
    assert not missing, f"missing in macros/portable.sql: {missing}"


def test_comment_stripping_keeps_code():
    sql = "select x -- a::b\n{# string_agg(y) #}, cast(y as int)\n"
    assert without_comments(sql) == "select x \n, cast(y as int)\n"
