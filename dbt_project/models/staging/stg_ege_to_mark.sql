-- Grain: one row per year × EGE subject: the lowest test score of marks 3, 4 and 5 used by
-- indicator 3.3 (INDICATORS.md §A; the department's ege_to_mark.csv).
select
    year,
    subject,
    min_3,
    min_4,
    min_5,
    origin
from {{ source('raw', 'ref_ege_to_mark') }}
