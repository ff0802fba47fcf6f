-- Grain: one row per file version (sha256) × school × paper it carries results for.
-- A corrected resubmission supersedes the earlier version for the same school and paper
-- (INPUTS.md §1): the current version is the one received last (path breaks ties).
with pupil_keys as (
    select distinct sha256, received_at, school_login, academic_year, "window", procedure, grade, subject
    from {{ ref('stg_pupil_results') }}
),

exam_keys as (
    select distinct sha256, received_at, school_login, academic_year, "window", procedure, grade, subject
    from {{ ref('stg_exam_results') }}
),

keys as (
    select * from pupil_keys
    union all
    select * from exam_keys
),

with_path as (
    select keys.*, files.path
    from keys
    join {{ ref('stg_files') }} as files using (sha256)
),

ranked as (
    select
        *,
        row_number() over (
            partition by school_login, academic_year, "window", procedure, grade, subject
            order by received_at desc, path desc
        ) as version_rank
    from with_path
),

final as (
    select
        sha256,
        path,
        received_at,
        school_login,
        academic_year,
        "window",
        procedure,
        grade,
        subject,
        version_rank = 1 as is_current
    from ranked
)

select * from final
