-- Grain: one row per academic year × window × level × unit of analysis × paper × section ×
-- criterion level. Task solvability pooled over the criteria of one section (seed 002), with
-- the sufficiency line of the level.
with criteria as (
    select * from {{ ref('int_pupil_criteria') }} where section is not null
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
        count(distinct column_no) as criteria,
        count(distinct school_login || chr(31) || pupil_code) as participants,
        sum(points) as points_earned,
        sum(max_points) as points_available
    from criteria
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'section', 'criterion_level']) }}
),

final as (
    select
        academic_year, "window", level, municipality, school_login, procedure, grade, subject,
        section, criterion_level, criteria, participants,
        {{ suppressed_unless_enough('points_earned', 'participants') }} as points_earned,
        points_available,
        {{ suppressed_unless_enough(pct('points_earned', 'points_available'), 'participants') }} as solvability_pct,
        {{ suppressed_unless_enough('100.0 * points_earned / nullif(points_available, 0) >= sufficiency_pct', 'participants') }} as sufficient
    from aggregated
)

select * from final
