-- Grain: one row per academic year × window × level × unit of analysis × paper (procedure ×
-- grade × subject) × criterion column. Contract table of INDICATORS.md §D: коэффициент
-- решаемости = points earned / (participants × max points) × 100, with the sufficiency line of
-- the criterion's level (task_levels seed: basic ≥ 60 %, advanced ≥ 30 %).
with school_points as (
    select * from {{ ref('int_school_task_points') }}
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
        column_no,
        max(task_label) as task_label,
        max(criterion_level) as criterion_level,
        max(section) as section,
        max(max_points) as max_points,
        max(sufficiency_pct) as sufficiency_pct,
        cast(sum(participants) as bigint) as participants,
        sum(points_earned) as points_earned,
        sum(points_available) as points_available
    from school_points
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'column_no']) }}
),

final as (
    select
        academic_year,
        "window",
        level,
        municipality,
        school_login,
        procedure,
        grade,
        subject,
        column_no,
        task_label,
        criterion_level,
        section,
        max_points,
        participants,
        {{ suppressed_unless_enough('points_earned', 'participants') }} as points_earned,
        {{ suppressed_unless_enough(pct('points_earned', 'points_available'), 'participants') }} as solvability_pct,
        {{ suppressed_unless_enough('100.0 * points_earned / nullif(points_available, 0) >= sufficiency_pct', 'participants') }} as sufficient
    from aggregated
)

select * from final
