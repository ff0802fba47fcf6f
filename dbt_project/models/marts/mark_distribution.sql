-- Grain: one row per academic year × window × level × unit of analysis × paper × mark (2–5).
-- Seed 002: distribution of participants by mark, count and %. Papers without marks
-- (EGE test-scored subjects, papers without a scale) are not here.
with school_counts as (
    -- per school × paper × mark (int_school_results_by_mark): the levels sum its counts
    select * from {{ ref('int_school_results_by_mark') }} where mark is not null
),

marks as (
    select mark from (values (2), (3), (4), (5)) as t(mark)
),

totals as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, grade, subject, cast(sum(participants) as bigint) as participants
    from school_counts
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject']) }}
),

counts as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, grade, subject, mark, cast(sum(participants) as bigint) as pupils
    from school_counts
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'mark']) }}
),

final as (
    select
        t.academic_year, t."window", t.level, t.municipality, t.school_login, t.procedure,
        t.grade, t.subject, m.mark, t.participants,
        {{ suppressed_unless_enough('coalesce(c.pupils, 0)', 't.participants') }} as pupils,
        {{ suppressed_unless_enough(pct('coalesce(c.pupils, 0)', 't.participants'), 't.participants') }} as pupils_pct
    from totals as t
    cross join marks as m
    left join counts as c
        on c.academic_year = t.academic_year and c."window" = t."window" and c.level = t.level
        and c.municipality is not distinct from t.municipality
        and c.school_login is not distinct from t.school_login
        and c.procedure = t.procedure and c.grade = t.grade and c.subject = t.subject
        and c.mark = m.mark
)

select * from final
