{{ config(schema='intermediate', materialized='school_partitioned') }}
-- Grain: one row per school × paper (VPR, diagnostics) whose task specification gives
-- criterion levels. A school's points on basic and on advanced criteria (повышенный,
-- высокий) summed over its pupils, for check O5: the school against the region, whose
-- sums are sums of these rows.
-- School-partitioned (macros/school_partitioned.sql): a school's correction re-sums that
-- school only, not the region's 2.5M pupil × level rows.
with points as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        school_kind, pupil_code, level_group, points_earned, points_available
    from {{ ref('int_pupil_level_points') }}
    where procedure <> 'ege' and procedure <> 'oge' and level_group is not null
        and {{ changed_schools('school_login') }}
),

final as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        any_value(school_kind) as school_kind,
        count(distinct pupil_code) as n,
        sum(points_earned) filter (where level_group = 'basic') as basic_points,
        sum(points_available) filter (where level_group = 'basic') as basic_max,
        sum(points_earned) filter (where level_group = 'advanced') as advanced_points,
        sum(points_available) filter (where level_group = 'advanced') as advanced_max
    from points
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
)

select * from final
