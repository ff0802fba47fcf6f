-- Grain: one row per academic year × window × school (school_login null: files or rows no
-- school could be named for — a file outside any school folder that was rejected, or
-- protocol rows whose код ОО is not in the registry). The load report a school is sent.
{{ config(alias='load_report') }}

with file_rows as (
    select * from {{ ref('audit_load_report_files') }}
),

rules as (
    select * from {{ ref('ingest_rules') }}
),

set_aside_by_rule as (
    select
        file_rows.academic_year,
        file_rows."window",
        file_rows.school_login,
        coalesce(rules.title, rejected.rule) as rule_title,
        count(*) as n
    from {{ ref('audit_rejected_rows') }} as rejected
    join file_rows
        on file_rows.sha256 = rejected.sha256
        and file_rows.path = rejected.path
        and file_rows.school_login is not distinct from rejected.school_login
        and file_rows.status = 'accepted'
    left join rules using (rule)
    group by file_rows.academic_year, file_rows."window", file_rows.school_login, coalesce(rules.title, rejected.rule)
),

set_aside_text as (
    select
        academic_year,
        "window",
        school_login,
        {{ string_agg_ordered("rule_title || ' — ' || n", "'; '", 'n desc, rule_title') }} as set_aside_reasons
    from set_aside_by_rule
    group by academic_year, "window", school_login
),

summary as (
    select
        academic_year,
        "window",
        school_login,
        count(*) as files_received,
        count(*) filter (where status = 'accepted') as files_accepted,
        count(*) filter (where status = 'rejected') as files_rejected,
        count(*) filter (where status = 'superseded') as files_superseded,
        cast(sum(rows_read) as bigint) as rows_read,
        cast(coalesce(sum(rows_loaded) filter (where status = 'accepted'), 0) as bigint) as rows_loaded,
        cast(coalesce(sum(rows_set_aside) filter (where status = 'accepted'), 0) as bigint) as rows_set_aside,
        cast(coalesce(sum(rows_read) filter (where status = 'superseded'), 0) as bigint) as rows_superseded,
        cast(coalesce(sum(rows_read) filter (where status = 'rejected'), 0) as bigint) as rows_in_rejected_files,
        cast(coalesce(sum(rows_with_warnings) filter (where status = 'accepted'), 0) as bigint)
            as rows_with_warnings,
        {{ string_agg_ordered("'«' || path || '»: ' || message", "'; '", 'path',
                              where="status = 'rejected'") }} as rejected_files_reasons,
        {{ string_agg_ordered('dropped_name_columns', "', '", 'dropped_name_columns', distinct=true,
                              where='dropped_name_columns is not null') }} as dropped_name_columns
    from file_rows
    group by academic_year, "window", school_login
),

schools as (
    select school_login, school_name, municipality from {{ ref('stg_schools') }}
),

final as (
    select
        summary.academic_year,
        summary."window",
        summary.school_login,
        schools.school_name,
        schools.municipality,
        summary.files_received,
        summary.files_accepted,
        summary.files_rejected,
        summary.files_superseded,
        summary.rows_read,
        summary.rows_loaded,
        summary.rows_set_aside,
        summary.rows_superseded,
        summary.rows_in_rejected_files,
        summary.rows_with_warnings,
        summary.rejected_files_reasons,
        set_aside_text.set_aside_reasons,
        summary.dropped_name_columns,
        case when summary.dropped_name_columns is not null
            then 'Столбцы с персональными данными удалены при загрузке и не хранятся: '
                || summary.dropped_name_columns || '.'
        end as personal_data_note
    from summary
    left join set_aside_text
        on set_aside_text.academic_year is not distinct from summary.academic_year
        and set_aside_text."window" is not distinct from summary."window"
        and set_aside_text.school_login is not distinct from summary.school_login
    left join schools on schools.school_login = summary.school_login
)

select * from final
