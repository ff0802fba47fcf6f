{#- Nothing is lost: every row read from an accepted file is loaded or set aside. -#}
{% test rows_accounted_for(model) %}
select * from {{ model }}
where status <> 'rejected' and rows_read <> rows_loaded + rows_set_aside
{% endtest %}
