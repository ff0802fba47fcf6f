with source as (
    select * from {{ source('raw', 'files') }}
),

renamed as (
    select
        path,
        sha256,
        received_at,
        size_bytes,
        academic_year,
        "window",
        school_folder,
        kind,
        procedure,
        subject,
        grade,
        year,
        school_login,
        parse_status,
        reject_code,
        message,
        sheet,
        rows_read,
        rows_loaded,
        rows_set_aside,
        dropped_name_columns,
        warnings
    from source
)

select * from renamed
