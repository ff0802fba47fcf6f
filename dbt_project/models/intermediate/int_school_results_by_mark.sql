-- Grain: one row per school × paper × mark (NULL for pupils without a mark: EGE test-scored
-- subjects, papers without a scale).
-- Counts and sums of a school's pupil papers, all in integers, from which the result
-- statistics and the mark distribution at every level are sums (result_statistics,
-- mark_distribution): those marts read ≈70,000 of these rows instead of a region's 1.2M
-- pupil papers.
-- School-partitioned (macros/school_partitioned.sql): a school's correction re-counts that
-- school's rows only.
{{ config(materialized='school_partitioned') }}

with papers as (
    select
        academic_year, "window", municipality, school_login, procedure, grade, subject, mark,
        primary_score, test_score, below_minimum,
        case
            when score_kind = 'test_score' then test_score >= {{ var('ege_high_scorer_test_score') }}
            else primary_score > {{ var('high_score_share') }} * max_score
        end as high_scorer
    from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

counted as (
    select
        academic_year, "window", municipality, school_login, procedure, grade, subject, mark,
        count(*) as participants,
        cast(sum(primary_score) as bigint) as primary_score_sum,
        count(primary_score) as primary_score_count,
        cast(sum(test_score) as bigint) as test_score_sum,
        count(test_score) as test_score_count,
        count(*) filter (where below_minimum) as below_minimum,
        count(below_minimum) as below_minimum_base,
        count(*) filter (where high_scorer) as high_scorers,
        count(high_scorer) as high_scorers_base
    from papers
    group by academic_year, "window", municipality, school_login, procedure, grade, subject, mark
)

select * from counted
