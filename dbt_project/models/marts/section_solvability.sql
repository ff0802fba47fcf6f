-- Grain: one row per academic year × window × level × unit of analysis × paper × section ×
-- criterion level. Task solvability pooled over the criteria of one section (seed 002), with
-- the sufficiency line of the level.
with school_points as (
    -- Summed per school already (int_school_section_points): the levels above are sums.
    select * from {{ ref('int_school_section_points') }}
),

criteria_per_section as (
    select academic_year, "window", procedure, grade, subject, section, criterion_level,
           count(distinct column_no) as criteria
    from {{ ref('int_school_task_points') }}
    where section is not null
    group by academic_year, "window", procedure, grade, subject, section, criterion_level
),

aggregated as (
    select
        academic_year,
        "window",
        {{ level_of_grouping() }} as level,
        municipality,
        school_login,
        procedure,
        grade,
        subject,
        section,
        criterion_level,
        max(sufficiency_pct) as sufficiency_pct,
        cast(sum(participants) as bigint) as participants,
        sum(points_earned) as points_earned,
        sum(points_available) as points_available
    from school_points
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'section', 'criterion_level']) }}
),

final as (
    select
        a.academic_year, a."window", a.level, a.municipality, a.school_login, a.procedure, a.grade,
        a.subject, a.section, a.criterion_level, c.criteria, a.participants,
        {{ suppressed_unless_enough('a.points_earned', 'a.participants') }} as points_earned,
        a.points_available,
        {{ suppressed_unless_enough(pct('a.points_earned', 'a.points_available'), 'a.participants') }} as solvability_pct,
        {{ suppressed_unless_enough('100.0 * a.points_earned / nullif(a.points_available, 0) >= a.sufficiency_pct', 'a.participants') }} as sufficient
    from aggregated as a
    join criteria_per_section as c
        on c.academic_year = a.academic_year and c."window" = a."window"
        and c.procedure = a.procedure and c.grade = a.grade and c.subject = a.subject
        and c.section = a.section and c.criterion_level is not distinct from a.criterion_level
)

select * from final
