-- Grain: one row per pupil (school × academic year × window × procedure × pupil code) who
-- wrote any paper of the procedure; pupils are linked across subjects by school + pupil code
-- (INDICATORS.md §A). Carries what 2.1 (EGE), 2.2 (OGE) and 2.3 (VPR-4) need.
-- Interpretations are dbt vars (dbt_project.yml), documented in _intermediate.yml.
-- School-partitioned (macros/school_partitioned.sql): pupils are linked within a school.
{{ config(materialized='school_partitioned') }}

with papers as (
    select * from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

-- 2.1: EGE subjects with a test score; Russian plus the two best others (or the best three
-- when ege_sum3_require_russian is false).
ege_scored as (
    select
        academic_year, "window", procedure, grade, municipality, school_login, pupil_code,
        subject_role, test_score,
        row_number() over (
            partition by academic_year, "window", school_login, pupil_code,
                         {% if var('ege_sum3_require_russian') %}subject_role = 'russian'{% else %}true{% endif %}
            order by test_score desc
        ) as rank_in_group
    from papers
    where procedure = 'ege' and score_kind = 'test_score' and test_score is not null
),

ege as (
    select
        academic_year, "window", procedure, max(grade) as grade, municipality, school_login, pupil_code,
        count(*) as subjects_taken,
        bool_or(subject_role = 'russian') as has_russian,
        {% if var('ege_sum3_require_russian') %}
        max(test_score) filter (where subject_role = 'russian')
            + sum(test_score) filter (where subject_role <> 'russian' and rank_in_group <= 2)
        {% else %}
        sum(test_score) filter (where rank_in_group <= 3)
        {% endif %} as sum_of_three
    from ege_scored
    group by academic_year, "window", procedure, municipality, school_login, pupil_code
),

ege_final as (
    select
        academic_year, "window", procedure, grade, municipality, school_login, pupil_code,
        subjects_taken >= 3 as in_denominator,
        subjects_taken >= 3
            {% if var('ege_sum3_require_russian') %}and has_russian{% endif %}
            and coalesce(sum_of_three, 0) >= {{ var('ege_sum3_threshold') }} as in_numerator,
        sum_of_three
    from ege
),

-- 2.2: OGE Russian + mathematics + best elective mark, no mark 2 in any OGE subject.
oge as (
    select
        academic_year, "window", procedure, max(grade) as grade, municipality, school_login, pupil_code,
        max(mark) filter (where subject_role = 'russian') as russian_mark,
        max(mark) filter (where subject_role = 'mathematics') as maths_mark,
        max(mark) filter (where subject_role = 'elective') as best_elective_mark,
        bool_or(mark = 2) as any_two
    from papers
    where procedure = 'oge'
    group by academic_year, "window", procedure, municipality, school_login, pupil_code
),

oge_final as (
    select
        academic_year, "window", procedure, grade, municipality, school_login, pupil_code,
        {% if var('oge_sum3_denominator') == 'all_takers' %}true
        {% else %}russian_mark is not null and maths_mark is not null and best_elective_mark is not null
        {% endif %} as in_denominator,
        coalesce(russian_mark + maths_mark + best_elective_mark >= {{ var('oge_sum3_threshold') }}
                 and not any_two, false) as in_numerator,
        russian_mark + maths_mark + best_elective_mark as sum_of_three
    from oge
),

-- 2.3: grade-4 VPR Russian, mathematics and окружающий мир, all three written.
vpr as (
    select
        academic_year, "window", procedure, grade, municipality, school_login, pupil_code,
        count(distinct subject_role) filter (where mark is not null) as roles_written,
        sum(mark) as sum_of_three,
        bool_or(mark = 2) as any_two
    from papers
    where procedure = 'vpr'
      and grade in ({{ var('vpr_sum3_grades') | join(', ') }})
      and subject_role in ('russian', 'mathematics', 'science')
    group by academic_year, "window", procedure, grade, municipality, school_login, pupil_code
),

vpr_final as (
    select
        academic_year, "window", procedure, grade, municipality, school_login, pupil_code,
        roles_written = 3 as in_denominator,
        roles_written = 3 and sum_of_three >= {{ var('vpr_sum3_threshold') }} and not any_two as in_numerator,
        sum_of_three
    from vpr
),

final as (
    select '2.1' as indicator_code, * from ege_final
    union all
    select '2.2', * from oge_final
    union all
    select '2.3', * from vpr_final
)

select * from final
