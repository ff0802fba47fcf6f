-- Grain: one row per cleaned or ignored dirty cell of a loaded row.
{{ config(alias='row_warnings') }}

select sha256, path, sheet, row_number, column_name, value, rule, message
from {{ source('raw', 'row_warnings') }}
