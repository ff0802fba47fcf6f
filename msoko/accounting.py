"""Row accounting: for every file version, every row read is either in the warehouse or set
aside with a reason. One query over the warehouse (or the published copy) proves it per file;
the README shows it and the fault/fuzz tests run it."""
from __future__ import annotations

# One row per file version. A row of a rejected file is set aside with the file's message;
# a row of an accepted or superseded file is in raw.* or in audit.rejected_rows with its own
# message. `balanced` is false for any file where a row is missing or counted twice.
ACCOUNTING_SQL = """
with loaded as (
    select sha256, count(*) as n from raw.pupil_results group by sha256
    union all
    select sha256, count(*) as n from raw.exam_results group by sha256
),
set_aside as (
    select sha256, count(*) as n, count(*) filter (where coalesce(message, '') = '') as no_reason
    from audit.rejected_rows group by sha256
)
select
    f.path,
    f.sha256,
    f.status,
    f.rows_read,
    coalesce(l.n, 0) as rows_in_warehouse,
    coalesce(s.n, 0) as rows_set_aside,
    case when f.status = 'rejected' then f.rows_read else 0 end as rows_of_rejected_file,
    f.rows_read = coalesce(l.n, 0) + coalesce(s.n, 0)
                  + case when f.status = 'rejected' then f.rows_read else 0 end
        and coalesce(s.no_reason, 0) = 0
        and (f.status <> 'rejected' or (coalesce(f.message, '') <> '' and coalesce(l.n, 0) = 0))
        and f.rows_loaded = coalesce(l.n, 0) and f.rows_set_aside = coalesce(s.n, 0)
        as balanced
from audit.files f
left join (select sha256, sum(n) as n from loaded group by sha256) l using (sha256)
left join set_aside s using (sha256)
order by f.path
"""


def row_accounting(con) -> list[dict]:
    cur = con.execute(ACCOUNTING_SQL)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
