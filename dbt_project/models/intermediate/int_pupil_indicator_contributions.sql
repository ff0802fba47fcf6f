-- Grain: one row per pupil × paper × indicator × unit (for 2.x one row per linked pupil).
-- What each pupil adds to an indicator's numerator and denominator: every indicator but 3.4,
-- which int_indicator_contributions adds from check O1 (a regional comparison).
-- School-partitioned (macros/school_partitioned.sql): a pupil's contributions depend on
-- that pupil's school's rows only, so a school's correction re-derives that school's.
{{ config(materialized='school_partitioned') }}
{% set key_cols = 'academic_year, "window", procedure, grade, subject, municipality, school_login, pupil_code' %}
with papers as (
    select * from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

main_subjects as (
    -- 1.1.x, 1.2.x, 3.2, 3.3: Russian and mathematics (subject_roles seed).
    select * from papers where subject_role in ('russian', 'mathematics')
),

ege_contributions as (
    select {{ key_cols }}, '1.1.1' as indicator_code, 'балл' as unit, cast(test_score as double) as numerator, 1 as denominator
    from main_subjects where procedure = 'ege' and score_kind = 'test_score' and test_score is not null
    union all
    select {{ key_cols }}, '1.1.1', 'отметка', cast(mark as double), 1
    from main_subjects where procedure = 'ege' and score_kind = 'mark' and mark is not null
    union all
    select {{ key_cols }}, '1.1.2', '%', cast(cast(below_minimum as int) as double), 1
    from main_subjects where procedure = 'ege' and below_minimum is not null
    union all
    select {{ key_cols }}, '1.1.3', '%', cast(cast((test_score > {{ var('ege_high_test_score') }}) as int) as double), 1
    from main_subjects where procedure = 'ege' and score_kind = 'test_score' and test_score is not null
    union all
    select {{ key_cols }}, '1.1.3', '%', cast(cast((primary_score > {{ var('ege_high_score_share') }} * max_score) as int) as double), 1
    from main_subjects where procedure = 'ege' and score_kind = 'mark' and max_score is not null
),

oge_contributions as (
    select {{ key_cols }}, '1.2.1' as indicator_code, 'балл' as unit, cast(primary_score as double) as numerator, 1 as denominator
    from main_subjects where procedure = 'oge' and primary_score is not null
    union all
    select {{ key_cols }}, '1.2.1', 'отметка', cast(mark as double), 1
    from main_subjects where procedure = 'oge' and mark is not null
    union all
    select {{ key_cols }}, '1.2.2', '%', cast(cast((mark = 2) as int) as double), 1
    from main_subjects where procedure = 'oge' and mark is not null
    union all
    select {{ key_cols }}, '1.2.3', '%', cast(cast((primary_score > {{ var('high_score_share') }} * max_score) as int) as double), 1
    from main_subjects where procedure = 'oge' and max_score is not null
),

-- 1.3.x (VPR) and 1.4.x (metasubject diagnostics) share one shape; the per_pupil_indicators
-- seed names the three codes a procedure feeds.
per_pupil as (
    select papers.*, g.mean_indicator as mean_code, g.below_indicator as below_code,
           g.high_indicator as high_code
    from papers
    join {{ ref('per_pupil_indicators') }} as g on g.procedure = papers.procedure
    where (papers.indicator_group <> 'vpr' or papers.grade in ({{ var('vpr_indicator_grades') | join(', ') }}))
),

per_pupil_contributions as (
    select {{ key_cols }}, mean_code as indicator_code, 'балл' as unit, cast(primary_score as double) as numerator, 1 as denominator
    from per_pupil where primary_score is not null
    union all
    select {{ key_cols }}, below_code, '%', cast(cast((mark = 2) as int) as double), 1
    from per_pupil where mark is not null
    union all
    select {{ key_cols }}, high_code, '%', cast(cast((primary_score > {{ var('high_score_share') }} * max_score) as int) as double), 1
    from per_pupil where max_score is not null
),

linked_contributions as (
    select academic_year, "window", procedure, grade,
           '{{ var("sum_of_three_subject_label") }}' as subject, municipality, school_login, pupil_code,
           indicator_code, '%' as unit, cast(cast(in_numerator as int) as double) as numerator, 1 as denominator
    from {{ ref('int_pupil_exam_sums') }}
    where in_denominator
        and {{ changed_schools('school_login') }}
),

mismatch_contributions as (
    -- 3.1: VPR mark vs the journal mark (valid journal marks only).
    select {{ key_cols }}, '3.1' as indicator_code, '%' as unit, cast(cast((mark <> journal_mark) as int) as double) as numerator, 1 as denominator
    from papers
    where procedure = 'vpr' and grade in ({{ var('vpr_indicator_grades') | join(', ') }})
      and mark is not null and journal_mark between 2 and 5
    union all
    -- 3.2: OGE mark vs the annual mark, Russian and mathematics.
    select {{ key_cols }}, '3.2', '%', cast(cast((mark <> annual_mark) as int) as double), 1
    from main_subjects
    where procedure = 'oge' and mark is not null and annual_mark between 2 and 5
),

ege_converted as (
    -- 3.3: test-scored subjects through the configured conversion table (ege_to_mark.csv),
    -- subjects with their own mark (base mathematics) by that mark.
    select
        p.*,
        case
            when p.score_kind = 'mark' then p.mark
            when conv.subject is null then null
            when p.test_score >= conv.min_5 then 5
            when p.test_score >= conv.min_4 then 4
            when p.test_score >= conv.min_3 then 3
            else 2
        end as converted_mark
    from papers as p
    left join {{ ref('stg_ege_to_mark') }} as conv
        on conv.year = p.year and conv.subject = p.subject
    where p.procedure = 'ege'
      and p.subject_role in ({{ "'" ~ var('ege_mismatch_roles') | join("', '") ~ "'" }})
      and p.annual_mark between 2 and 5
),

ege_mismatch_contributions as (
    select {{ key_cols }}, '3.3' as indicator_code, '%' as unit,
           cast(cast((abs(converted_mark - annual_mark) > {{ var('ege_mismatch_tolerance') }}) as int) as double) as numerator, 1 as denominator
    from ege_converted
    where converted_mark is not null
),

diagnostics_contributions as (
    -- 4.1: share of participants reaching the basic level (mark ≥ 3).
    select {{ key_cols }}, '4.1' as indicator_code, '%' as unit, cast(cast((mark >= 3) as int) as double) as numerator, 1 as denominator
    from papers where indicator_group = 'regional_diagnostics' and mark is not null
),

level_points as (
    -- 4.2 / 4.3: points earned on the level's criteria over points available on them; the
    -- task_levels seed says which indicator a level feeds (высокий counts as advanced).
    select
        c.academic_year, c."window", c.procedure, c.grade, c.subject, c.municipality, c.school_login,
        c.pupil_code, lv.diagnostics_indicator as indicator_code,
        cast(sum(c.points_earned) as double) as points_earned,
        sum(c.points_available) as points_available
    from {{ ref('int_pupil_level_points') }} as c
    join {{ ref('procedure_codes') }} as pc on pc.procedure = c.procedure
    join {{ ref('task_levels') }} as lv on lv.criterion_level = c.criterion_level
    where pc.indicator_group = 'regional_diagnostics'
        and {{ changed_schools('c.school_login') }}
    group by c.academic_year, c."window", c.procedure, c.grade, c.subject, c.municipality, c.school_login,
        c.pupil_code, lv.diagnostics_indicator
),

level_contributions as (
    select {{ key_cols }}, indicator_code, '%' as unit, points_earned as numerator, points_available as denominator
    from level_points
),

pupil_rows as (
    select * from ege_contributions
    union all select * from oge_contributions
    union all select * from per_pupil_contributions
    union all select * from linked_contributions
    union all select * from mismatch_contributions
    union all select * from ege_mismatch_contributions
    union all select * from diagnostics_contributions
    union all select * from level_contributions
),

final as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        indicator_code, unit, numerator, denominator, 1 as participants, pupil_code
    from pupil_rows
)

select * from final
