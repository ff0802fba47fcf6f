-- Grain: one row per academic year × window × school × received file version (path ×
-- sha256): the lines of a school's load report. A multi-school export or exam protocol
-- appears once for each school it carries rows for, with that school's rows only.
{{ config(alias='load_report_files') }}

with files as (
    select * from {{ ref('audit_files') }}
),

per_school as (
    select * from {{ ref('stg_file_schools') }}
),

-- A multi-school export can be superseded for one school (that school sent a corrected file
-- of its own) and stay current for the others: status is decided per file × school.
school_versions as (
    select sha256, school_login, bool_or(is_current) as any_current
    from {{ ref('int_file_versions') }}
    group by sha256, school_login
),

file_rows as (
    select
        files.academic_year,
        files."window",
        per_school.school_login,
        files.path,
        files.sha256,
        case
            when files.status = 'accepted' and school_versions.any_current = false then 'superseded'
            else files.status
        end as status,
        case
            when files.status = 'accepted' and school_versions.any_current = false
                then 'Результаты этой школы из файла заменены более поздней версией.'
            else files.message
        end as message,
        files.dropped_name_columns,
        per_school.rows_read,
        per_school.rows_loaded,
        per_school.rows_set_aside,
        per_school.rows_with_warnings,
        files.received_at,
        files.cleaned_cells
    from per_school
    join files using (sha256, path)
    left join school_versions
        on school_versions.sha256 = per_school.sha256
        and school_versions.school_login = per_school.school_login
)

select * from file_rows
