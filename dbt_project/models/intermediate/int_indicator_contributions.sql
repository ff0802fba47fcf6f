-- Grain: one row per pupil × paper × indicator × unit (for 2.x one row per linked pupil, for
-- 3.4 one row per school × paper evaluated by O1). Every catalogue indicator is additive:
-- value = Σ numerator / Σ denominator (× 100 for '%'), so the three levels (school,
-- municipality, region) are sums of these rows (msoko_indicators). `participants` is the
-- number of pupils a row stands for; suppression counts pupils, never schools.
-- A view: the pupils' rows are kept per school in int_pupil_indicator_contributions, and
-- 3.4 comes from check O1, which compares every school with the region.
{{ config(materialized='view') }}
with pupil_rows as (
    select * from {{ ref('int_pupil_indicator_contributions') }}
),

inflated_mean_contributions as (
    -- 3.4 is check O1 itself (INDICATORS.md: "see check O1"): one row per school × paper O1
    -- evaluated (enough participants and spread); at municipality and region level the value
    -- is the % of evaluated schools that O1 flags.
    select academic_year, "window", procedure, grade, subject, municipality, school_login,
           cast(null as varchar) as pupil_code, '3.4' as indicator_code, '%' as unit,
           cast(cast(flagged as int) as double) as numerator, 1 as denominator, n_participants as participants
    from {{ ref('int_objectivity_o1') }}
    where status <> 'insufficient_data'
),

final as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        indicator_code, unit, numerator, denominator, participants, pupil_code
    from pupil_rows
    union all
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        indicator_code, unit, numerator, denominator, participants, pupil_code
    from inflated_mean_contributions
)

select * from final
