-- Grain: one row per file version (sha256) × path × school it carries rows for. A rejected
-- file that was never read counts once, under the school its folder names (or none).
with source as (
    select * from {{ source('raw', 'file_schools') }}
),

renamed as (
    select
        sha256,
        path,
        school_login,
        rows_read,
        rows_loaded,
        rows_set_aside,
        warnings as rows_with_warnings
    from source
)

select * from renamed
