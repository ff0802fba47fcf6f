-- Grain: one row per academic year × window × level ('municipality' | 'region') × paper ×
-- context (school kind, settlement type, textbook) × context value. Seed 002: mean score by
-- kind of school and by settlement type, with the region beside the municipality.
with papers as (
    select * from {{ ref('int_pupil_papers') }} where scale_score is not null
),

in_context as (
    {{ in_contexts('papers') }}
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
        context_type,
        context_value,
        count(distinct school_login) as schools,
        count(*) as participants,
        avg(scale_score) as mean_score,
        avg(share_of_max) as mean_share_of_max,
        avg(mark) as mean_mark
    from in_context
    group by {{ two_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject', 'context_type', 'context_value']) }}
),

final as (
    select
        academic_year, "window", level, municipality, procedure, grade, subject, context_type,
        context_value, schools, participants,
        {{ suppressed_unless_enough('round(mean_score, 2)', 'participants') }} as mean_score,
        {{ suppressed_unless_enough('round(100 * mean_share_of_max, 2)', 'participants') }} as mean_pct_of_max,
        {{ suppressed_unless_enough('round(mean_mark, 2)', 'participants') }} as mean_mark
    from aggregated
)

select * from final
