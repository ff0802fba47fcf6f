-- Grain: one row per paper that has results but no grade scale: its mark-based indicators
-- cannot be computed until the department adds the scale to reference/scales.csv.
{{ config(alias='missing_scales') }}

select
    academic_year,
    "window",
    procedure,
    grade,
    subject,
    year,
    count(*) as participants,
    'Нет шкалы перевода для ' || procedure || ', ' || grade || ' класс, ' || subject || ', ' || year
        || ': добавьте строку в reference/scales.csv.' as message
from {{ ref('int_pupil_papers') }}
where max_score is null
group by academic_year, "window", procedure, grade, subject, year
