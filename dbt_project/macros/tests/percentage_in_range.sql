{#- A percentage outside 0–100 means a numerator/denominator mix-up in an indicator model. -#}
{% test percentage_in_range(model, column_name) %}
select * from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 100
{% endtest %}
