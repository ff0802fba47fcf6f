{#- A published figure outside its natural range (a mark outside 2–5, a negative count) means a
    join or a scale went wrong. -#}
{% test value_between(model, column_name, min_value, max_value) %}
select * from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
