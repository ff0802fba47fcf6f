{#- Use the configured schema name as is (marts, audit, …): the table names are a contract
    analysts rely on (INDICATORS.md §D), so no target-name prefix. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
