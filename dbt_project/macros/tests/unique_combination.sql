{#- Our own composite-key test: `dbt deps` needs the network, so dbt_utils is not used. -#}
{% test unique_combination_of(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
