-- Grain: one row per pupil × paper × section × criterion level, over the criteria the task
-- specification places (a section or a level; participants of current file versions only).
-- Points earned and available per pupil on a section's or a level's criteria feed section
-- solvability, indicators 4.2/4.3 and check O5; a pupil's ~15 criterion rows become 2–4.
-- School-partitioned (macros/school_partitioned.sql): a school's correction rebuilds that
-- school's rows only.
{{ config(materialized='school_partitioned') }}

with papers as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        school_kind, pupil_code, sha256, row_number
    from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

scores as (
    select sha256, row_number, column_no, max_points, points
    from {{ ref('stg_criterion_scores') }}
    -- The changed schools' files only, before the grouping below (over every file ≈5 s).
    where {{ when_partial('sha256 in (select sha256 from papers)') }}
),

per_row as (
    -- Summed per result row first: the narrow (sha256, row_number) key groups fast.
    select
        scores.sha256,
        scores.row_number,
        spec.section,
        spec.criterion_level,
        max(spec.level_group) as level_group,
        max(spec.sufficiency_pct) as sufficiency_pct,
        count(*) as criteria,
        sum(scores.points) as points_earned,
        sum(coalesce(spec.max_points, scores.max_points)) as points_available
    from scores
    join {{ ref('int_file_criteria') }} as spec
        on spec.sha256 = scores.sha256
        and spec.column_no = scores.column_no
    where spec.section is not null or spec.criterion_level is not null
    group by scores.sha256, scores.row_number, spec.section, spec.criterion_level
),

final as (
    select
        papers.academic_year,
        papers."window",
        papers.procedure,
        papers.grade,
        papers.subject,
        papers.municipality,
        papers.school_login,
        papers.school_kind,
        papers.pupil_code,
        per_row.section,
        per_row.criterion_level,
        per_row.level_group,
        per_row.sufficiency_pct,
        per_row.criteria,
        per_row.points_earned,
        per_row.points_available
    from per_row
    join papers using (sha256, row_number)
)

select * from final
