-- Grain: one row per school × paper × textbook × criterion column (participants of current
-- file versions only). Points earned and available on one criterion summed over a school's
-- pupils: task solvability at every level, and its context splits, are sums of these rows,
-- so no mart reads the 17.6M pupil × criterion scores again.
-- Textbook is a class attribute (a pupil row's), so it is part of the grain; settlement type
-- and school kind are the school's.
with papers as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        school_kind, settlement_type, textbook, sha256, row_number
    from {{ ref('int_pupil_papers') }}
),

scores as (
    select sha256, row_number, column_no, task_label, max_points, points
    from {{ ref('stg_criterion_scores') }}
),

specified as (
    -- The task label and maximum come from the specification when it has the column, else
    -- from the file's header.
    select
        scores.sha256,
        scores.row_number,
        scores.column_no,
        coalesce(spec.task_label, scores.task_label) as task_label,
        coalesce(spec.max_points, scores.max_points) as max_points,
        scores.points,
        spec.criterion_level,
        spec.sufficiency_pct,
        spec.section
    from scores
    left join {{ ref('int_file_criteria') }} as spec
        on spec.sha256 = scores.sha256
        and spec.column_no = scores.column_no
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
        papers.settlement_type,
        papers.textbook,
        specified.column_no,
        max(specified.task_label) as task_label,
        max(specified.max_points) as max_points,
        max(specified.criterion_level) as criterion_level,
        max(specified.section) as section,
        max(specified.sufficiency_pct) as sufficiency_pct,
        count(*) as participants,
        sum(specified.points) as points_earned,
        sum(specified.max_points) as points_available
    from specified
    join papers using (sha256, row_number)
    group by
        papers.academic_year, papers."window", papers.procedure, papers.grade, papers.subject,
        papers.municipality, papers.school_login, papers.school_kind, papers.settlement_type,
        papers.textbook, specified.column_no
)

select * from final
