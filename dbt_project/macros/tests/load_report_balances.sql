{#- Nothing is lost in the load report: every row read is loaded, set aside, in a superseded
    version or in a rejected file. -#}
{% test load_report_balances(model) %}
select * from {{ model }}
where rows_read <> rows_loaded + rows_set_aside + rows_superseded + rows_in_rejected_files
{% endtest %}
