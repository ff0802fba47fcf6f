{#- The three units of analysis of every published figure (INDICATORS.md §A): one GROUPING SETS
    pass gives school, municipality and region rows from the same pupil rows, so the levels
    always add up. `keys` are the columns common to all three levels. -#}
{% macro three_levels(keys) -%}
    grouping sets (
        ({{ keys | join(', ') }}, municipality, school_login),
        ({{ keys | join(', ') }}, municipality),
        ({{ keys | join(', ') }})
    )
{%- endmacro %}

{% macro level_of_grouping() -%}
    case
        when grouping(school_login) = 0 then 'school'
        when grouping(municipality) = 0 then 'municipality'
        else 'region'
    end
{%- endmacro %}

{#- A figure computed from fewer than `min_participants_published` pupils is published as NULL
    (INPUTS.md §8: no re-identification of minors). -#}
{% macro suppressed_unless_enough(expr, participants) -%}
    case when {{ participants }} < {{ var('min_participants_published') }} then null else {{ expr }} end
{%- endmacro %}

{% macro pct(numerator, denominator) -%}
    round(100.0 * ({{ numerator }}) / nullif({{ denominator }}, 0), 2)
{%- endmacro %}

{#- The context splits (seed 002) are published for the municipality and the region only: a
    school is a single context value, so its own row would repeat its plain figure. -#}
{% macro two_levels(keys) -%}
    grouping sets (
        ({{ keys | join(', ') }}, municipality),
        ({{ keys | join(', ') }})
    )
{%- endmacro %}

{% macro level_above_school() -%}
    case when grouping(municipality) = 0 then 'municipality' else 'region' end
{%- endmacro %}

{#- Every row of `cte` once per context it can be split by (seed 002: settlement type, school
    kind, textbook), as context_type / context_value. A row without a textbook has no
    textbook context; a missing school kind or settlement type reads 'не указано'. -#}
{% macro in_contexts(cte) -%}
    select *, 'settlement_type' as context_type, coalesce(settlement_type, 'не указано') as context_value from {{ cte }}
    union all
    select *, 'school_kind', coalesce(school_kind, 'не указано') from {{ cte }}
    union all
    select *, 'textbook', textbook from {{ cte }} where textbook is not null
{%- endmacro %}
