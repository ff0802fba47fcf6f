select
    login as school_login,
    name as school_name,
    municipality,
    oge_code,
    ege_code,
    kind as school_kind,
    settlement as settlement_type,
    pupils
from {{ source('raw', 'ref_schools') }}
