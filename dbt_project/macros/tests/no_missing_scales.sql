{% test no_missing_scales(model) %}
select * from {{ model }}
{% endtest %}
