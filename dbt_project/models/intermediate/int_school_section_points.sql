-- Grain: one row per school × paper × section × criterion level (criteria the specification
-- places in a section; participants of current file versions only). A school's pupils'
-- points on a section summed, so section solvability at every level is a sum of these
-- rows and a school's correction re-sums that school only.
-- School-partitioned (macros/school_partitioned.sql).
{{ config(materialized='school_partitioned') }}

with pupil_points as (
    select *
    from {{ ref('int_pupil_level_points') }}
    where section is not null
        and {{ changed_schools('school_login') }}
),

-- One row per pupil × section × level, so participants is a plain count.
per_pupil as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login, pupil_code,
        section, criterion_level,
        max(sufficiency_pct) as sufficiency_pct,
        sum(points_earned) as points_earned,
        sum(points_available) as points_available
    from pupil_points
    group by academic_year, "window", procedure, grade, subject, municipality, school_login, pupil_code,
             section, criterion_level
),

final as (
    select
        academic_year,
        "window",
        procedure,
        grade,
        subject,
        municipality,
        school_login,
        section,
        criterion_level,
        max(sufficiency_pct) as sufficiency_pct,
        count(*) as participants,
        sum(points_earned) as points_earned,
        sum(points_available) as points_available
    from per_pupil
    group by academic_year, "window", procedure, grade, subject, municipality, school_login,
             section, criterion_level
)

select * from final
