-- Grain: one row per current file version (sha256) × criterion column of its paper's task
-- specification (the specification of the paper's year, INPUTS.md §7), with the criterion's
-- level, level group, sufficiency line and section.
-- Why per file: a file carries one paper, so looking the specification up once per file
-- (20k files × ~15 columns) and joining the 17.6M criterion scores to this on (sha256,
-- column_no) takes a fraction of a second; joining every score to the specification through
-- its pupil's paper columns took ~10 s a region.
with files as (
    select distinct sha256, year, procedure, grade, subject
    from {{ ref('int_pupil_papers') }}
),

tasks as (
    select year, procedure, grade, subject, column_no, task_label, max_points, criterion_level, section
    from {{ ref('stg_tasks') }}
),

final as (
    select
        files.sha256,
        tasks.column_no,
        tasks.task_label,
        tasks.max_points,
        tasks.criterion_level,
        levels.level_group,
        levels.sufficiency_pct,
        tasks.section
    from files
    join tasks
        on tasks.year = files.year
        and tasks.procedure = files.procedure
        and tasks.grade = files.grade
        and tasks.subject = files.subject
    left join {{ ref('task_levels') }} as levels
        on levels.criterion_level = tasks.criterion_level
)

select * from final
