-- Grain: one row per school × check × assessment (academic_year, window, procedure, grade,
-- subject). Every check O1–O6 in one table (INDICATORS.md §D); `explanation` is the Russian
-- sentence an official reads to the school director, `details` the numbers behind it.
{%- set checks = ['int_objectivity_o1', 'int_objectivity_o2', 'int_objectivity_o3',
                  'int_objectivity_o4', 'int_objectivity_o5', 'int_objectivity_o6'] %}
with unioned as (
    {%- for check in checks %}
    select
        academic_year, "window", municipality, school_login, procedure,
        cast(grade as integer) as grade, subject, check_code,
        cast(statistic as double) as statistic, cast(threshold as double) as threshold,
        cast(n_participants as bigint) as n_participants, cast(flagged as boolean) as flagged, status,
        {{ as_json('details') }} as details, explanation
    from {{ ref(check) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from unioned
