-- Grain: one row per academic year × school in the low-results group (ШНОР).
-- INDICATORS.md §C (Rosobrnadzor risk-indicator practice): a paper (procedure × grade ×
-- subject) with at least 10 participants is "low" when at least 30% of them are below the
-- minimum (mark 2; EGE subjects with a test score: below the year's minimum score). A school
-- is listed for a year with two or more low papers that year (reason two_procedures), or
-- with the same paper low in this and the previous year (reason consecutive_years; the later
-- year is listed). When both hold, two_procedures is named and both are in the flags.
{%- set o = var('objectivity') %}
{%- set names = o['procedure_names'] %}
with papers as (
    select
        academic_year, municipality, school_login, procedure, grade, subject,
        count(*) as participants,
        count(*) filter (where below_min) as below_min,
        cast(count(*) filter (where below_min) as double) / count(*) as share
    from {{ ref('int_objectivity_papers') }}
    where below_min is not null
    group by academic_year, municipality, school_login, procedure, grade, subject
    having count(*) >= {{ o['min_participants'] }}
),

low as (
    select *,
        {%- for code, name in names.items() %}
        {{ 'case' if loop.first }} when procedure = '{{ code }}' then '{{ name }}'
        {%- endfor %} else procedure end
        || ' ' || grade || ' кл., ' || subject || ': ' || below_min || ' из ' || participants
        || ' (' || cast(round(100 * share) as integer) || '%)' as label
    from papers
    where share >= {{ o['shnor_min_share'] }}
),

repeated as (
    select this.academic_year, this.school_login, this.procedure, this.grade, this.subject
    from low as this
    join low as prev
        on prev.school_login = this.school_login and prev.procedure = this.procedure
        and prev.grade = this.grade and prev.subject = this.subject
        and prev.academic_year = {{ prev_academic_year('this.academic_year') }}
),

schools as (
    select
        low.academic_year, low.municipality, low.school_login,
        count(*) as low_papers,
        count(repeated.school_login) as repeated_papers,
        {{ string_agg_ordered('low.label', "'; '", 'low.procedure, low.grade, low.subject') }} as procedures
    from low
    left join repeated using (academic_year, school_login, procedure, grade, subject)
    group by low.academic_year, low.municipality, low.school_login
)

select
    academic_year, municipality, school_login,
    case when low_papers >= {{ o['shnor_min_procedures'] }} then 'two_procedures'
         else 'consecutive_years' end as reason,
    procedures,
    low_papers >= {{ o['shnor_min_procedures'] }} as two_procedures,
    repeated_papers > 0 as consecutive_years,
    low_papers
from schools
where low_papers >= {{ o['shnor_min_procedures'] }} or repeated_papers > 0
