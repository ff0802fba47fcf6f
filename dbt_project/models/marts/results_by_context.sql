-- Grain: one row per academic year × window × level ('municipality' | 'region') × paper ×
-- context (school kind, settlement type, textbook) × context value. Seed 002: mean score by
-- kind of school and by settlement type, with the region beside the municipality.
with papers as (
    select * from {{ ref('int_pupil_papers') }} where scale_score is not null
),

in_context as (
    select *, 'school_kind' as context_type, school_kind as context_value from papers
    union all
    select *, 'settlement_type', settlement_type from papers
    union all
    select *, 'textbook', textbook from papers where textbook is not null
),

aggregated as (
    select
        academic_year,
        "window",
        case when grouping(municipality) = 0 then 'municipality' else 'region' end as level,
        municipality,
        procedure,
        grade,
        subject,
        context_type,
        coalesce(context_value, 'не указано') as context_value,
        count(distinct school_login) as schools,
        count(*) as participants,
        avg(scale_score) as mean_score,
        avg(share_of_max) as mean_share_of_max,
        avg(mark) as mean_mark
    from in_context
    group by grouping sets (
        (academic_year, "window", procedure, grade, subject, context_type, coalesce(context_value, 'не указано'), municipality),
        (academic_year, "window", procedure, grade, subject, context_type, coalesce(context_value, 'не указано'))
    )
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
