select
    year,
    procedure,
    grade,
    subject,
    max_score,
    min_3,
    min_4,
    min_5,
    source,
    origin
from {{ source('raw', 'ref_scales') }}
