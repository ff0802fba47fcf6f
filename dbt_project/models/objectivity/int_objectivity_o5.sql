{{ config(schema='intermediate') }}
-- Grain: one row per school × paper whose task specification gives criterion levels.
-- O5 hard better than easy (project's own, from Rosobrnadzor's public description): the
-- school's solvability of advanced criteria (повышенный, высокий) is at least 10 percentage
-- points above the region's while its solvability of basic criteria is at least 10 points
-- below. Solvability pools points: points earned on the level's criteria / points
-- available on them × 100 (as indicators 4.2/4.3). statistic = the smaller of the two gaps
-- (advanced above the region, basic below it), so flagged ⇔ statistic ≥ threshold.
-- The region is every pupil in the inbox (regional figures carry no criterion detail).
-- Points and levels come from int_pupil_level_points (each pupil's points per criterion
-- level, already joined to the task specification: re-joining the 18M raw scores here took
-- a minute a region), summed per school in int_school_level_group_points.
{%- set o = var('objectivity') %}
with sums as (
    -- Per school already (int_school_level_group_points): the region sums them below.
    select * from {{ ref('int_school_level_group_points') }}
),

schools as (
    select
        *,
        100.0 * basic_points / nullif(basic_max, 0) as basic_pct,
        100.0 * advanced_points / nullif(advanced_max, 0) as advanced_pct
    from sums
),

-- The region pools the schools' points.
region as (
    select
        academic_year, procedure, grade, subject,
        100.0 * sum(basic_points) / nullif(sum(basic_max), 0) as region_basic_pct,
        100.0 * sum(advanced_points) / nullif(sum(advanced_max), 0) as region_advanced_pct
    from sums
    group by academic_year, procedure, grade, subject
),

judged as (
    select
        schools.*, region.region_basic_pct, region.region_advanced_pct,
        schools.advanced_pct - region.region_advanced_pct as advanced_gap,
        region.region_basic_pct - schools.basic_pct as basic_gap,
        least(schools.advanced_pct - region.region_advanced_pct,
              region.region_basic_pct - schools.basic_pct) as gap,
        case
            when schools.n < {{ o['min_participants'] }} or schools.basic_pct is null
                 or schools.advanced_pct is null then 'insufficient_data'
            when least(schools.advanced_pct - region.region_advanced_pct,
                       region.region_basic_pct - schools.basic_pct) >= {{ o['o5_gap_pp'] }}
                then 'flagged'
            else 'ok'
        end as status
    from schools
    join region using (academic_year, procedure, grade, subject)
)

select
    academic_year, "window", municipality, school_login, procedure, grade, subject,
    'O5' as check_code,
    case when status <> 'insufficient_data' then round(gap, 4) end as statistic,
    cast({{ o['o5_gap_pp'] }} as double) as threshold,
    n as n_participants,
    status = 'flagged' as flagged,
    status,
    to_json({
        school_kind: school_kind,
        advanced_pct: round(advanced_pct, 2), region_advanced_pct: round(region_advanced_pct, 2),
        advanced_above_region_pp: round(advanced_gap, 2),
        basic_pct: round(basic_pct, 2), region_basic_pct: round(region_basic_pct, 2),
        basic_below_region_pp: round(basic_gap, 2),
        min_participants: {{ o['min_participants'] }}
    }) as details,
    case status
        when 'insufficient_data' then
            case when n < {{ o['min_participants'] }} then
                'Недостаточно данных: участников ' || n || ', нужно не менее {{ o["min_participants"] }}.'
            else 'Недостаточно данных: в спецификации нет заданий обоих уровней.' end
        when 'flagged' then
            'Задания повышенного уровня решены на ' || round(advanced_pct, 1) || '% (регион '
            || round(region_advanced_pct, 1) || '%), базового — на ' || round(basic_pct, 1)
            || '% (регион ' || round(region_basic_pct, 1) || '%): сложные задания решены лучше'
            || ' региона, а простые — хуже, оба разрыва не меньше {{ o["o5_gap_pp"] }} п.п.'
        else
            'Повышенный уровень: ' || round(advanced_gap, 1) || ' п.п. к региону; базовый: '
            || round(-basic_gap, 1) || ' п.п. к региону.'
    end as explanation
from judged
