{{ config(schema='intermediate', materialized='school_partitioned') }}
-- Grain: one row per school × paper in the O2 scope (as O1).
-- School-partitioned (macros/school_partitioned.sql): a row reads its own school's pupils
-- only, so a school's correction recomputes that school's rows (a region's O2 ≈1 s whole).
-- O2 marks mismatch (Rosobrnadzor): Spearman's rank correlation between the school mark
-- (journal mark for VPR, annual mark for OGE) and the primary score over the school's
-- pupils with both; ties get their average rank, so rho is Pearson's r of average ranks
-- (what scipy.stats.spearmanr computes). Flagged when rho < 0. insufficient_data when
-- fewer than 10 pupils have both values or either is constant.
{%- set o = var('objectivity') %}
with pairs as (
    select *
    from {{ ref('int_objectivity_papers') }}
    where in_index_scope and primary_score is not null and school_mark is not null
      and {{ changed_schools('school_login') }}
),

ranked as (
    select
        *,
        -- average rank = first rank of the tie group + (size of the tie group − 1) / 2
        rank() over (partition by academic_year, "window", procedure, grade, subject, school_login
                     order by school_mark)
          + (count(*) over (partition by academic_year, "window", procedure, grade, subject,
                                         school_login, school_mark) - 1) / 2.0 as mark_rank,
        rank() over (partition by academic_year, "window", procedure, grade, subject, school_login
                     order by primary_score)
          + (count(*) over (partition by academic_year, "window", procedure, grade, subject,
                                         school_login, primary_score) - 1) / 2.0 as score_rank
    from pairs
),

schools as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        any_value(school_kind) as school_kind,
        count(*) as n_pairs,
        count(distinct school_mark) as distinct_marks,
        count(distinct primary_score) as distinct_scores,
        -- Rounded to 12 places: corr sums in whatever order the threads meet the rows, so a
        -- rho that is exactly 0 came out as ±1e-17 and the school flipped between flagged and
        -- ok from one run to the next (+ 0.0 turns a rounded −0.0 into 0.0 for the text).
        round(corr(mark_rank, score_rank), 12) + 0.0 as rho,
        avg(school_mark) as mean_school_mark,
        avg(mark) as mean_mark
    from ranked
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
),

papers as (
    -- every school × paper in scope, so a school whose pupils lack journal marks still shows
    select academic_year, "window", procedure, grade, subject, municipality, school_login,
           count(*) as n_participants
    from {{ ref('int_objectivity_papers') }}
    where in_index_scope and primary_score is not null
      and {{ changed_schools('school_login') }}
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
),

judged as (
    select
        papers.*,
        coalesce(schools.n_pairs, 0) as n_pairs,
        schools.rho, schools.school_kind, schools.distinct_marks, schools.distinct_scores,
        schools.mean_school_mark, schools.mean_mark,
        case
            when coalesce(schools.n_pairs, 0) < {{ o['min_participants'] }}
                 or schools.distinct_marks < 2 or schools.distinct_scores < 2
                then 'insufficient_data'
            when schools.rho < {{ o['o2_max_rho'] }} then 'flagged'
            else 'ok'
        end as status
    from papers
    left join schools using (academic_year, "window", procedure, grade, subject, municipality, school_login)
)

select
    academic_year, "window", municipality, school_login, procedure, grade, subject,
    'O2' as check_code,
    case when status <> 'insufficient_data' then round(rho, 4) end as statistic,
    cast({{ o['o2_max_rho'] }} as double) as threshold,
    n_pairs as n_participants,
    status = 'flagged' as flagged,
    status,
    to_json({
        school_kind: school_kind, pupils_with_both: n_pairs, participants: n_participants,
        distinct_school_marks: distinct_marks, distinct_scores: distinct_scores,
        spearman_rho: round(rho, 4),
        mean_school_mark: round(mean_school_mark, 3), mean_result_mark: round(mean_mark, 3),
        school_mark: case when procedure = 'oge' then 'годовая отметка' else 'отметка по журналу' end,
        min_participants: {{ o['min_participants'] }}
    }) as details,
    case status
        when 'insufficient_data' then
            case when n_pairs < {{ o['min_participants'] }} then
                'Недостаточно данных: участников со школьной отметкой и баллом ' || n_pairs
                || ', нужно не менее {{ o["min_participants"] }}.'
            else 'Недостаточно данных: у всех участников одинаковая '
                || case when distinct_marks < 2 then 'школьная отметка' else 'сумма баллов' end
                || ', корреляция не определена.' end
        when 'flagged' then
            'Ранговая корреляция Спирмена между школьной отметкой и первичным баллом '
            || round(rho, 3) || ' < 0: чем выше школьная отметка, тем ниже результат работы (участников: '
            || n_pairs || ').'
        else
            'Корреляция Спирмена школьной отметки и балла ' || round(rho, 3) || ' (не ниже 0).'
    end as explanation
from judged
