{#- Dialect-specific SQL, dispatched per adapter (README «Beyond one region»): the models
    stay in SQL every engine reads, and what one engine spells its own way is written here
    once per engine. `default__` is the DuckDB syntax the models used before (what runs and
    is tested today); `trino__` (dbt-trino) and `spark__` (dbt-spark, and dbt-databricks,
    which falls back to spark__) are written from the engines' documentation and have NOT
    been run: this project has no Trino or Spark to test them on. Check them on the first
    run there. tests/test_sql_portability.py keeps DuckDB-only syntax out of the models.

    A project or package can override one engine with its own `<adapter>__<macro>` via the
    `dispatch` config of dbt_project.yml (search order for the 'msoko' namespace). -#}


{#- string_agg_ordered: the values of `expression` joined by `separator`, in the order of
    `order_by` (DuckDB `string_agg(x, sep order by …)`; Trino and Spark have no such
    string_agg). `separator` is SQL (a quoted literal: "'; '"), `order_by` a SQL order-by
    list ('n desc, rule_title'). `distinct`: each value once — every engine but DuckDB then
    needs `order_by` to be the expression itself. `where`: the aggregate's FILTER condition,
    given here rather than after the call because Spark's form has to apply it inside.
    Null values are skipped; no value at all gives null. -#}
{% macro string_agg_ordered(expression, separator, order_by, distinct=false, where=none) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'msoko')(expression, separator, order_by, distinct, where)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expression, separator, order_by, distinct, where) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, {{ separator }} order by {{ order_by }})
    {%- if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- Trino: listagg … within group (order by …); FILTER after it needs a Trino from
    2024 on (trinodb/trino#19871; exact release not checked).
    listagg has no DISTINCT: the distinct form collects, dedupes and sorts an array instead,
    which sorts by the value (as varchar) only, hence order_by must be the expression. -#}
{% macro trino__string_agg_ordered(expression, separator, order_by, distinct, where) -%}
    {%- if distinct -%}
        {%- do order_by_must_be_expression('trino', expression, order_by) -%}
        array_join(array_sort(array_distinct(array_agg(cast({{ expression }} as varchar))
            filter (where ({{ expression }}) is not null{% if where %} and ({{ where }}){% endif %}))), {{ separator }})
    {%- else -%}
        listagg(cast({{ expression }} as varchar), {{ separator }}) within group (order by {{ order_by }})
        {%- if where %} filter (where {{ where }}){% endif %}
    {%- endif -%}
{%- endmacro %}

{#- Spark (3.0+): collect_list of (sort keys, value) structs, sorted with a comparator built
    from `order_by` (asc/desc per key, nulls last as in DuckDB), then folded into one string
    (aggregate, not array_join: no value gives null, as string_agg does). `order_by` is
    split on commas, so a sort key must not contain one. The distinct form uses collect_set,
    sorted by the value as a string: order_by must be the expression. -#}
{% macro spark__string_agg_ordered(expression, separator, order_by, distinct, where) -%}
    {%- set keep = '(' ~ expression ~ ') is not null' ~ (' and (' ~ where ~ ')' if where else '') -%}
    {%- set fold = 'cast(null as string), (acc, v) -> coalesce(acc || ' ~ separator ~ ", '') || v)" -%}
    {%- if distinct -%}
        {%- do order_by_must_be_expression('spark', expression, order_by) -%}
        aggregate(array_sort(collect_set(case when {{ keep }} then cast({{ expression }} as string) end)), {{ fold }}
    {%- else -%}
        {%- set keys = [] -%}
        {%- for item in order_by.split(',') -%}
            {%- set words = item.strip().split() -%}
            {%- set descending = words | length > 1 and words[-1] | lower == 'desc' -%}
            {%- set ascending = words | length > 1 and words[-1] | lower == 'asc' -%}
            {%- do keys.append({'expr': (words[:-1] if descending or ascending else words) | join(' '),
                                'before': 1 if descending else -1}) -%}
        {%- endfor -%}
        aggregate(transform(array_sort(
            collect_list(case when {{ keep }} then named_struct(
                {%- for key in keys %}'k{{ loop.index }}', {{ key.expr }}, {% endfor -%}
                'v', cast({{ expression }} as string)) end),
            (l, r) -> case
                {%- for key in keys %}
                when l.k{{ loop.index }} is null and r.k{{ loop.index }} is not null then 1
                when l.k{{ loop.index }} is not null and r.k{{ loop.index }} is null then -1
                when l.k{{ loop.index }} < r.k{{ loop.index }} then {{ key.before }}
                when l.k{{ loop.index }} > r.k{{ loop.index }} then {{ -key.before }}
                {%- endfor %}
                else 0 end),
            s -> s.v), {{ fold }}
    {%- endif -%}
{%- endmacro %}

{#- The distinct forms above sort by the value: say so at compile time, not with a wrong order. -#}
{% macro order_by_must_be_expression(engine, expression, order_by) -%}
    {%- if modules.re.sub('(?i)\\s+asc$', '', order_by.strip()) != expression.strip() -%}
        {%- do exceptions.raise_compiler_error(
            "string_agg_ordered(distinct=true) on " ~ engine ~ " sorts by the value itself: order_by ("
            ~ order_by ~ ") must be the expression (" ~ expression ~ ")") -%}
    {%- endif -%}
{%- endmacro %}


{#- percentile_cont: the continuous (linearly interpolated) quantile `fraction` of
    `expression` over the group, as SQL's percentile_cont(fraction) within group (order by …)
    (DuckDB quantile_cont). -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'msoko')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- Trino has no exact percentile: approx_percentile is APPROXIMATE (a t-digest) and returns
    a value near the quantile, not an interpolation between two values, so quartile-based
    thresholds (O3) can differ from DuckDB's slightly. An exact form is possible by sorting
    array_agg(expression) and interpolating, should the flags have to match. -#}
{% macro trino__percentile_cont(expression, fraction) -%}
    approx_percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- Spark's percentile is exact, with linear interpolation, like quantile_cont. -#}
{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}


{#- as_json: a JSON text as the engine's JSON value (objectivity_flags.details), where
    DuckDB, Postgres and others spell it `expr::json`. -#}
{% macro as_json(expression) -%}
    {{ return(adapter.dispatch('as_json', 'msoko')(expression)) }}
{%- endmacro %}

{% macro default__as_json(expression) -%}
    cast({{ expression }} as json)
{%- endmacro %}

{#- Trino: cast(varchar as json) would make a JSON string of the text; json_parse reads it. -#}
{% macro trino__as_json(expression) -%}
    json_parse({{ expression }})
{%- endmacro %}

{#- Spark has no JSON type: the JSON text stays a string (readable with from_json,
    get_json_object). -#}
{% macro spark__as_json(expression) -%}
    {{ expression }}
{%- endmacro %}
