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
