{#- School-partitioned models: a table that dbt rebuilds for the schools whose results
    changed since it last built, and whole otherwise. ingest/school_changes.py logs the
    changes (pipeline_state.school_changes) and says when a whole rebuild is due.

    A model opts in with `materialized='school_partitioned'`, a `school_login` column, and
    `where {{ changed_schools('<its school_login column>') }}` on its inputs (or
    `{{ when_partial('<predicate>') }}` for a filter that only pays off for a few schools).
    Both read `true` for a whole rebuild. The materialization deletes the changed schools'
    rows and inserts the model's rows for them, or replaces the table, and records in the
    same transaction the last change applied and the model's SQL as it reads for a whole
    rebuild. It rebuilds whole when that SQL differs from the recorded one (the model
    edited, a macro, a `--vars`), and when a school-partitioned model it is built from was
    rebuilt whole since its own last build. -#}

{% macro school_scope() %}
    {#- What this model has to rebuild: the whole table ({'partial': false}), or the schools
        of the changes with after < change_id <= upto ({'partial': true}). `upto` is what
        the build records as applied (none where nothing logs changes). Above
        var('school_partitioned_max_schools') schools a whole rebuild is faster. -#}
    {%- set scope = {'partial': false, 'after': none, 'upto': none} -%}
    {%- if not execute -%}{{ return(scope) }}{%- endif -%}
    {%- if adapter.get_relation(this.database, 'pipeline_state', 'school_changes') is none -%}
        {{ return(scope) }}
    {%- endif -%}
    {%- set row = run_query("
        with consumed as (
            select max(through) as after from pipeline_state.consumed_changes
            where model = '" ~ this.schema ~ "." ~ this.identifier ~ "'
        ),
        pending as (
            select changes.* from pipeline_state.school_changes as changes, consumed
            where changes.change_id > consumed.after
        )
        select
            (select after from consumed),
            coalesce(greatest((select max(change_id) from pipeline_state.school_changes),
                              (select after from consumed)), 0),
            coalesce((select bool_or(everything) from pending), false),
            (select count(distinct school_login) from pending)").rows[0] -%}
    {%- set after, upto, everything, schools = row[0], row[1], row[2], row[3] -%}
    {%- do scope.update({'after': after, 'upto': upto}) -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- do scope.update({'partial': not flags.FULL_REFRESH
                                    and existing is not none and existing.is_table
                                    and after is not none and not everything
                                    and schools <= var('school_partitioned_max_schools', 200)}) -%}
    {{ return(scope) }}
{% endmacro %}

{% macro changed_school_logins(scope) -%}
    select school_login from pipeline_state.school_changes
    where change_id > {{ scope.after }} and change_id <= {{ scope.upto }}
{%- endmacro %}

{#- `predicate` for a partial rebuild, `true` for a whole one. The partial form is marked so
    that the materialization can tell the SQL apart from the filters (whole_sql). -#}
{% macro when_partial(predicate, scope=none) -%}
    {%- if (scope if scope is not none else school_scope()).partial -%}
        /* school scope */ ({{ predicate }}) /* end school scope */
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro changed_schools(column) -%}
    {%- set scope = school_scope() -%}
    {{- when_partial(column ~ ' in (' ~ changed_school_logins(scope) ~ ')', scope) -}}
{%- endmacro %}

{#- The model's SQL as a whole rebuild reads: every marked filter replaced by `true`. -#}
{% macro whole_sql(sql) -%}
    {{- modules.re.sub('/\\* school scope \\*/.*?/\\* end school scope \\*/', 'true', sql,
                       flags=modules.re.DOTALL) -}}
{%- endmacro %}

{#- The school-partitioned models `node_id` is built from, directly or through other models,
    as warehouse names (schema.table). -#}
{% macro school_partitioned_ancestors(node_id, found) %}
    {%- for parent in graph.nodes[node_id].depends_on.nodes if parent in graph.nodes -%}
        {%- set node = graph.nodes[parent] -%}
        {%- set name = node.schema ~ '.' ~ (node.alias or node.name) -%}
        {%- if node.config.materialized == 'school_partitioned' and name not in found -%}
            {%- do found.append(name) -%}
        {%- endif -%}
        {%- do school_partitioned_ancestors(parent, found) -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}

{#- Whether this build may rebuild only the changed schools: the last build recorded the same
    SQL, and no school-partitioned model it is built from has been rebuilt whole since (its
    rows may all have changed, which no change in the log says). -#}
{% macro partial_build_allowed(sql_hash, last) %}
    {%- if last is none or last[0] != sql_hash -%}{{ return(false) }}{%- endif -%}
    {%- set ancestors = school_partitioned_ancestors(model.unique_id, []) -%}
    {%- if ancestors | length == 0 -%}{{ return(true) }}{%- endif -%}
    {%- set rebuilt = run_query("select count(*) from pipeline_state.consumed_changes"
                                ~ " where model in ('" ~ ancestors | join("', '") ~ "')"
                                ~ " and whole_build_id > " ~ last[1]).rows[0][0] -%}
    {{ return(rebuilt == 0) }}
{% endmacro %}

{% materialization school_partitioned, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set model_name = this.schema ~ '.' ~ this.identifier -%}
    {%- set scope = school_scope() -%}
    {%- set whole = whole_sql(sql) -%}
    {%- set sql_hash = local_md5(whole) -%}
    {%- set partial = false -%}
    {%- if scope.upto is not none -%}
        {%- set rows = run_query("select sql_hash, build_id, whole_build_id"
                                 ~ " from pipeline_state.consumed_changes"
                                 ~ " where model = '" ~ model_name ~ "'").rows -%}
        {%- set last = rows[0] if rows | length > 0 else none -%}
        {%- set partial = scope.partial and partial_build_allowed(sql_hash, last) -%}
        {%- set build_id = run_query("select nextval('pipeline_state.build_ids')").rows[0][0] -%}
        {%- set whole_build_id = last[2] if partial else build_id -%}
    {%- endif -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if partial %}
        {% call statement('delete_changed_schools') -%}
            delete from {{ target_relation }}
            where school_login in ({{ changed_school_logins(scope) }})
        {%- endcall %}
        {% call statement('main') -%}
            insert into {{ target_relation }} by name
            select * from ({{ sql }})
        {%- endcall %}
    {% else %}
        {% call statement('main') -%}
            create or replace table {{ target_relation }} as ({{ whole }})
        {%- endcall %}
    {% endif %}
    {% if scope.upto is not none %}
        {% call statement('forget_consumed') -%}
            delete from pipeline_state.consumed_changes where model = '{{ model_name }}'
        {%- endcall %}
        {% call statement('record_consumed') -%}
            insert into pipeline_state.consumed_changes
                (model, through, sql_hash, built, build_id, whole_build_id)
            values ('{{ model_name }}', {{ scope.upto }}, '{{ sql_hash }}',
                    '{{ "changed schools" if partial else "whole" }}', {{ build_id }},
                    {{ whole_build_id }})
        {%- endcall %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
