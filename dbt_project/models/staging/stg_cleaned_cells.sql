-- Grain: one row per file version (sha256 × path) × kind of unambiguous dirt cleaned at
-- ingestion (stray spaces, edu… logins, capital letters, «Х» markers), with the cell count.
select
    sha256,
    path,
    kind,
    cells
from {{ source('raw', 'cleaned_cells') }}
