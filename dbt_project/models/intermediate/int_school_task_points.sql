-- Grain: one row per school × paper × textbook × criterion column (participants of current
-- file versions only). Points earned and available on one criterion summed over a school's
-- pupils: task solvability at every level, and its context splits, are sums of these rows,
-- so no mart reads the 17.6M pupil × criterion scores again.
-- Textbook is a class attribute (a pupil row's), so it is part of the grain; settlement type
-- and school kind are the school's.
-- School-partitioned (macros/school_partitioned.sql): a school's correction rebuilds that
-- school's rows only.
{{ config(materialized='school_partitioned') }}

with pupil_rows as (
    -- Only what the sums are keyed by: the paper and school attributes join after summing,
    -- so the join over 17.6M scores holds 1.2M narrow rows, not 1.2M wide ones.
    select sha256, row_number, school_login, textbook
    from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

scores as (
    select sha256, row_number, column_no, task_label, max_points, points
    from {{ ref('stg_criterion_scores') }}
),

per_file as (
    -- The task label and maximum come from the specification when it has the column, else
    -- from the file's header.
    select
        scores.sha256,
        pupil_rows.school_login,
        pupil_rows.textbook,
        scores.column_no,
        max(coalesce(spec.task_label, scores.task_label)) as task_label,
        max(coalesce(spec.max_points, scores.max_points)) as max_points,
        max(spec.criterion_level) as criterion_level,
        max(spec.section) as section,
        max(spec.sufficiency_pct) as sufficiency_pct,
        count(*) as participants,
        sum(scores.points) as points_earned,
        sum(coalesce(spec.max_points, scores.max_points)) as points_available
    from scores
    join pupil_rows
        on pupil_rows.sha256 = scores.sha256
        and pupil_rows.row_number = scores.row_number
    left join {{ ref('int_file_criteria') }} as spec
        on spec.sha256 = scores.sha256
        and spec.column_no = scores.column_no
    group by scores.sha256, pupil_rows.school_login, pupil_rows.textbook, scores.column_no
),

file_schools as (
    -- A file carries one paper; a regional file carries several schools.
    select distinct
        sha256, school_login, academic_year, "window", procedure, grade, subject,
        municipality, school_kind, settlement_type
    from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

final as (
    select
        file_schools.academic_year,
        file_schools."window",
        file_schools.procedure,
        file_schools.grade,
        file_schools.subject,
        file_schools.municipality,
        file_schools.school_login,
        file_schools.school_kind,
        file_schools.settlement_type,
        per_file.textbook,
        per_file.column_no,
        per_file.task_label,
        per_file.max_points,
        per_file.criterion_level,
        per_file.section,
        per_file.sufficiency_pct,
        per_file.participants,
        per_file.points_earned,
        per_file.points_available
    from per_file
    join file_schools using (sha256, school_login)
)

select * from final
