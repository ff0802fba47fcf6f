{#- School-partitioned models: a table that dbt rebuilds for the schools whose results
    changed since it last built, and whole otherwise. ingest/school_changes.py logs the
    changes (pipeline_state.school_changes) and says when a whole rebuild is due.

    A model opts in with `materialized='school_partitioned'`, a `school_login` column, and
    `where {{ changed_schools('<its school_login column>') }}` on its inputs: the filter
    reads `true` for a whole rebuild. The materialization then deletes those schools' rows
    and inserts the model's rows for them, or replaces the table, and records the last
    change applied in the same transaction. -#}

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

{% macro changed_schools(column) -%}
    {%- set scope = school_scope() -%}
    {%- if scope.partial -%}
        {{ column }} in ({{ changed_school_logins(scope) }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% materialization school_partitioned, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set scope = school_scope() -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if scope.partial %}
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
            create or replace table {{ target_relation }} as ({{ sql }})
        {%- endcall %}
    {% endif %}
    {% if scope.upto is not none %}
        {% call statement('forget_consumed') -%}
            delete from pipeline_state.consumed_changes
            where model = '{{ this.schema }}.{{ this.identifier }}'
        {%- endcall %}
        {% call statement('record_consumed') -%}
            insert into pipeline_state.consumed_changes
            values ('{{ this.schema }}.{{ this.identifier }}', {{ scope.upto }})
        {%- endcall %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
