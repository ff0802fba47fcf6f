-- Grain: one row per pupil × paper × criterion column (participants of current file versions
-- only), with the criterion's level and section from the task specification of the paper's
-- year. Feeds 4.2/4.3 and task solvability.
with papers as (
    select
        academic_year, "window", procedure, grade, subject, year, municipality, school_login,
        school_kind, settlement_type, textbook, pupil_code, sha256, row_number
    from {{ ref('int_pupil_papers') }}
),

scores as (
    select sha256, row_number, column_no, task_label, max_points, points, not_done
    from {{ ref('stg_criterion_scores') }}
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
        papers.pupil_code,
        scores.column_no,
        coalesce(tasks.task_label, scores.task_label) as task_label,
        coalesce(tasks.max_points, scores.max_points) as max_points,
        scores.points,
        scores.not_done,
        tasks.criterion_level,
        levels.level_group,
        levels.sufficiency_pct,
        tasks.section
    from papers
    join scores using (sha256, row_number)
    left join {{ ref('stg_tasks') }} as tasks
        on tasks.year = papers.year
        and tasks.procedure = papers.procedure
        and tasks.grade = papers.grade
        and tasks.subject = papers.subject
        and tasks.column_no = scores.column_no
    left join {{ ref('task_levels') }} as levels
        on levels.criterion_level = tasks.criterion_level
)

select * from final
