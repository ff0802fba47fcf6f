select
    sha256,
    row_number,
    subject,
    column_no,
    task_label,
    max_points,
    points,
    not_done
from {{ source('raw', 'criterion_scores') }}
