-- Grain: one row per academic year × window × level × unit of analysis × paper (procedure ×
-- grade × subject). Seed 002: participants, mean scores, count and % below the minimum, count
-- and % of high scorers (EGE test-scored: test score ≥ `ege_high_scorer_test_score`; other
-- papers: primary score above `high_score_share` of the maximum).
with school_counts as (
    -- per school × paper × mark (int_school_results_by_mark): every figure below is a sum of
    -- those counts and sums, the same numbers count() and avg() over the pupils give
    select * from {{ ref('int_school_results_by_mark') }}
),

aggregated as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, grade, subject,
        cast(sum(participants) as bigint) as participants,
        cast(sum(primary_score_sum) as double) / nullif(sum(primary_score_count), 0) as mean_primary_score,
        cast(sum(test_score_sum) as double) / nullif(sum(test_score_count), 0) as mean_test_score,
        cast(sum(mark * participants) as double)
            / nullif(sum(case when mark is not null then participants end), 0) as mean_mark,
        cast(sum(below_minimum) as bigint) as below_minimum,
        cast(sum(below_minimum_base) as bigint) as below_minimum_base,
        cast(sum(high_scorers) as bigint) as high_scorers,
        cast(sum(high_scorers_base) as bigint) as high_scorers_base
    from school_counts
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'grade', 'subject']) }}
),

final as (
    select
        academic_year, "window", level, municipality, school_login, procedure, grade, subject,
        participants,
        participants < {{ var('min_participants_published') }} as suppressed,
        {{ suppressed_unless_enough('round(mean_primary_score, 2)', 'participants') }} as mean_primary_score,
        {{ suppressed_unless_enough('round(mean_test_score, 2)', 'participants') }} as mean_test_score,
        {{ suppressed_unless_enough('round(mean_mark, 2)', 'participants') }} as mean_mark,
        {{ suppressed_unless_enough('below_minimum', 'participants') }} as below_minimum,
        {{ suppressed_unless_enough(pct('below_minimum', 'below_minimum_base'), 'participants') }} as below_minimum_pct,
        {{ suppressed_unless_enough('high_scorers', 'participants') }} as high_scorers,
        {{ suppressed_unless_enough(pct('high_scorers', 'high_scorers_base'), 'participants') }} as high_scorers_pct
    from aggregated
)

select * from final
