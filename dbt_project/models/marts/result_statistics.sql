-- Grain: one row per academic year × window × level × unit of analysis × paper (procedure ×
-- grade × subject). Seed 002: participants, mean scores, count and % below the minimum, count
-- and % of high scorers (EGE test-scored: test score ≥ `ege_high_scorer_test_score`; other
-- papers: primary score above `high_score_share` of the maximum).
with papers as (
    select
        *,
        case
            when score_kind = 'test_score' then test_score >= {{ var('ege_high_scorer_test_score') }}
            else primary_score > {{ var('high_score_share') }} * max_score
        end as high_scorer
    from {{ ref('int_pupil_papers') }}
),

aggregated as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, grade, subject,
        count(*) as participants,
        avg(primary_score) as mean_primary_score,
        avg(test_score) as mean_test_score,
        avg(mark) as mean_mark,
        count(*) filter (where below_minimum) as below_minimum,
        count(below_minimum) as below_minimum_base,
        count(*) filter (where high_scorer) as high_scorers,
        count(high_scorer) as high_scorers_base
    from papers
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
