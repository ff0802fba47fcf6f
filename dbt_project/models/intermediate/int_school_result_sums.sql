-- Grain: one row per school × paper × textbook (a class attribute, so a school may have
-- several), over the pupils with a scale score.
-- The sums the means by school context are made of (results_by_context): that mart reads
-- ≈20,000 of these rows instead of a region's 1.2M pupil papers three times over.
-- School-partitioned (macros/school_partitioned.sql): a school's correction re-sums that
-- school's rows only.
{{ config(materialized='school_partitioned') }}

with papers as (
    select
        academic_year, "window", municipality, school_login, settlement_type, school_kind,
        textbook, procedure, grade, subject, scale_score, share_of_max, mark
    from {{ ref('int_pupil_papers') }}
    where scale_score is not null and {{ changed_schools('school_login') }}
),

summed as (
    select
        academic_year, "window", municipality, school_login, settlement_type, school_kind,
        textbook, procedure, grade, subject,
        count(*) as participants,
        cast(sum(scale_score) as bigint) as scale_score_sum,
        count(share_of_max) as share_of_max_count,
        -- in decimal, so the sum is exact whatever order the rows come in: a school's
        -- partial rebuild gives the very sum its whole rebuild gives (a double sum differs
        -- in the last bits from one order to another)
        sum(cast(share_of_max as decimal(18, 12))) as share_of_max_sum,
        count(mark) as mark_count,
        cast(sum(mark) as bigint) as mark_sum
    from papers
    group by academic_year, "window", municipality, school_login, settlement_type, school_kind,
             textbook, procedure, grade, subject
)

select * from summed
