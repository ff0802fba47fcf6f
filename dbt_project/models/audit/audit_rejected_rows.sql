-- Grain: one row per set-aside input row. Contract table audit.rejected_rows.
{{ config(alias='rejected_rows') }}

select
    sha256,
    sheet,
    row_number,
    column_name,
    value,
    rule,
    message,
    path,
    school_login
from {{ source('raw', 'rejected_rows') }}
