{#- Drops every table or view in the project's schemas that no model or seed builds any more:
    a model removed or renamed in a new version (int_pupil_criteria became
    int_school_task_points and int_pupil_level_points) would otherwise stay in the warehouse,
    and in the analysts' copy, with figures frozen at the upgrade. Also clears the
    __dbt_tmp / __dbt_backup tables a killed run can leave. Only schemas that project nodes
    are built into are touched: raw (ingestion's) and dbt_test_failures are not. -#}
{% macro drop_retired_relations() %}
    {% if execute %}
        {% set built = [] %}
        {% set schemas = [] %}
        {% for node in graph.nodes.values() if node.resource_type in ['model', 'seed', 'snapshot'] %}
            {% do built.append((node.schema ~ '.' ~ (node.alias or node.name)) | lower) %}
            {% if node.schema | lower not in schemas %}{% do schemas.append(node.schema | lower) %}{% endif %}
        {% endfor %}
        {% set existing = run_query(
            "select table_schema, table_name, table_type from information_schema.tables"
            ~ " where table_catalog = current_database()"
            ~ " and lower(table_schema) in ('" ~ schemas | join("', '") ~ "')") %}
        {% for schema, name, kind in existing.rows %}
            {% if (schema ~ '.' ~ name) | lower not in built %}
                {% do log("Dropped " ~ schema ~ "." ~ name ~ ": no model or seed builds it any more", info=True) %}
                {% do run_query("drop " ~ ('view' if kind == 'VIEW' else 'table') ~ " if exists "
                                ~ adapter.quote(schema) ~ "." ~ adapter.quote(name)) %}
            {% endif %}
        {% endfor %}
    {% endif %}
{% endmacro %}
