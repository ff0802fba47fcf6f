-- Grain: one row per academic year × window × level ('municipality' | 'region') × paper ×
-- context (school kind, settlement type, textbook) × context value. Seed 002: mean score by
-- kind of school and by settlement type, with the region beside the municipality.
with school_sums as (
    -- per school × paper × textbook (int_school_result_sums): the means below are sums over
    -- these divided by their counts, as avg() over the pupils would give
    select * from {{ ref('int_school_result_sums') }}
),

in_context as (
    {{ in_contexts('school_sums') }}
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
        cast(sum(participants) as bigint) as participants,
        cast(sum(scale_score_sum) as double) / sum(participants) as mean_score,
        cast(sum(share_of_max_sum) as double) / nullif(sum(share_of_max_count), 0) as mean_share_of_max,
        cast(sum(mark_sum) as double) / nullif(sum(mark_count), 0) as mean_mark
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
