{#- '2024-2025' -> '2023-2024'. Kept as a macro so the string arithmetic is written once
    and can be ported to another SQL dialect in one place. -#}
{% macro prev_academic_year(col) -%}
    (cast(cast(left({{ col }}, 4) as integer) - 1 as varchar) || '-' || left({{ col }}, 4))
{%- endmacro %}
