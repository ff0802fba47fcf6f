-- Grain: one row per task specification line: year × procedure × grade × subject × criterion
-- column (INPUTS.md §7). The level decides 4.2/4.3 and the sufficiency line of solvability.
select
    year,
    procedure,
    grade,
    subject,
    column_no,
    task_label,
    max_points,
    lower(trim(level)) as criterion_level,
    nullif(trim(section), '') as section,
    skill,
    origin
from {{ source('raw', 'ref_tasks') }}
