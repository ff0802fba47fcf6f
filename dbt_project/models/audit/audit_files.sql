-- Grain: one row per received file version (path × sha256). Contract table audit.files.
{{ config(alias='files') }}

with files as (
    select * from {{ ref('stg_files') }}
),

cleaned as (
    select sha256, path, cast(sum(cells) as bigint) as cleaned_cells
    from {{ ref('stg_cleaned_cells') }}
    group by sha256, path
),

versions as (
    select sha256, bool_or(is_current) as any_current
    from {{ ref('int_file_versions') }}
    group by sha256
),

final as (
    select
        files.path,
        files.sha256,
        files.received_at,
        files.school_login,
        files.academic_year,
        files."window",
        files.procedure,
        files.subject,
        files.grade,
        case
            when files.parse_status = 'rejected' then 'rejected'
            when files.parse_status = 'duplicate' then 'superseded'
            when versions.any_current = false then 'superseded'
            else 'accepted'
        end as status,
        files.rows_read,
        files.rows_loaded,
        files.rows_set_aside,
        case
            when files.parse_status in ('rejected', 'duplicate') then files.message
            when versions.any_current = false then 'Заменён более поздней версией файла той же школы и работы.'
            when files.dropped_name_columns is not null
                then 'Столбцы с персональными данными удалены при загрузке: ' || files.dropped_name_columns || '.'
        end as message,
        files.kind,
        files.sheet,
        files.size_bytes,
        files.dropped_name_columns,
        files.warnings,
        files.reject_code,
        files.school_folder,
        coalesce(cleaned.cleaned_cells, 0) as cleaned_cells
    from files
    left join versions using (sha256)
    left join cleaned using (sha256, path)
)

select * from final
