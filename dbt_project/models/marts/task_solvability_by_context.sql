-- Grain: one row per academic year × window × level ('municipality' | 'region') × paper ×
-- criterion column × context (settlement type, school kind, textbook) × context value.
-- Seed 002: the same task solvability split by the context of the school or the class.
with school_points as (
    select * from {{ ref('int_school_task_points') }}
),

in_context as (
    {{ in_contexts('school_points') }}
),

aggregated as (
    select
        academic_year,
        "window",
        {{ level_above_school() }} as level,
        municipality,
        procedure,
        grade,
        subject,
        column_no,
        context_type,
        context_value,
        max(task_label) as task_label,
        max(criterion_level) as criterion_level,
        max(section) as section,
        max(max_points) as max_points,
        max(sufficiency_pct) as sufficiency_pct,
        cast(sum(participants) as bigint) as participants,
        sum(points_earned) as points_earned,
        sum(points_available) as points_available
    from in_context
    group by {{ two_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'column_no', 'context_type', 'context_value']) }}
),

final as (
    select
        academic_year, "window", level, municipality, procedure, grade, subject, column_no,
        task_label, criterion_level, section, max_points, context_type, context_value, participants,
        {{ suppressed_unless_enough('points_earned', 'participants') }} as points_earned,
        {{ suppressed_unless_enough(pct('points_earned', 'points_available'), 'participants') }} as solvability_pct,
        {{ suppressed_unless_enough('100.0 * points_earned / nullif(points_available, 0) >= sufficiency_pct', 'participants') }} as sufficient
    from aggregated
)

select * from final
