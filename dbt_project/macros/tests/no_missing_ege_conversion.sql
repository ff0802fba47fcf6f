{#- 3.3 needs the department's EGE test score → mark conversion for every compared test-scored
    subject and year; without it the subject silently drops out of 3.3, so say which row to add. -#}
{% test no_missing_ege_conversion(model) %}
select
    p.year,
    p.subject,
    count(*) as takers,
    'Нет перевода тестового балла ЕГЭ в отметку: ' || p.subject || ', ' || p.year
        || '. Показатель 3.3 по этому предмету не рассчитан; добавьте строку в reference/ege_to_mark.csv.' as message
from {{ model }} as p
left join {{ ref('stg_ege_to_mark') }} as conv
    on conv.year = p.year and conv.subject = p.subject
where p.procedure = 'ege'
  and p.score_kind = 'test_score'
  and p.subject_role in ({{ "'" ~ var('ege_mismatch_roles') | join("', '") ~ "'" }})
  and conv.subject is null
group by p.year, p.subject
{% endtest %}
