{{ config(schema='intermediate') }}
-- Grain: one row per school × paper in the O1 scope (VPR Russian and mathematics grades 4
-- and 5, OGE Russian and mathematics).
-- O1 inflated mean (Rosobrnadzor): the school's 95% interval x̄ ± 1.96·s/√m lies wholly
-- above the region's x̄ ± 1.96·s/√n, i.e. school lower bound > region upper bound;
-- s is the sample standard deviation. statistic = school lower bound, threshold = region
-- upper bound. A gymnasium or lyceum is flagged like any school; details name the kind.
{%- set o = var('objectivity') %}
with pupils as (
    select * from {{ ref('int_objectivity_papers') }}
    where in_index_scope and primary_score is not null
),

schools as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        any_value(school_kind) as school_kind,
        count(*) as n,
        -- Rounded as int_objectivity_region_papers is, so a rerun gives the same digits.
        round(avg(primary_score), 10) as mean_score,
        round(stddev_samp(primary_score), 10) as sd_score
    from pupils
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
),

intervals as (
    select
        s.*,
        s.mean_score - {{ o['o1_z'] }} * s.sd_score / sqrt(s.n) as ci_lower,
        s.mean_score + {{ o['o1_z'] }} * s.sd_score / sqrt(s.n) as ci_upper,
        r.participants as region_n,
        r.mean_score as region_mean,
        r.sd_score as region_sd,
        r.mean_score - {{ o['o1_z'] }} * r.sd_score / sqrt(r.participants) as region_ci_lower,
        r.mean_score + {{ o['o1_z'] }} * r.sd_score / sqrt(r.participants) as region_ci_upper,
        r.source as region_source
    from schools as s
    join {{ ref('int_objectivity_region_papers') }} as r
        using (academic_year, procedure, grade, subject)
),

judged as (
    select
        *,
        case
            when n < {{ o['min_participants'] }} or sd_score is null or region_sd is null
                then 'insufficient_data'
            when ci_lower > region_ci_upper then 'flagged'
            else 'ok'
        end as status
    from intervals
)

select
    academic_year, "window", municipality, school_login, procedure, grade, subject,
    'O1' as check_code,
    case when status <> 'insufficient_data' then round(ci_lower, 4) end as statistic,
    round(region_ci_upper, 4) as threshold,
    n as n_participants,
    status = 'flagged' as flagged,
    status,
    to_json({
        school_kind: school_kind,
        mean: round(mean_score, 4), sd: round(sd_score, 4),
        ci_lower: round(ci_lower, 4), ci_upper: round(ci_upper, 4),
        region_participants: region_n, region_mean: round(region_mean, 4),
        region_sd: round(region_sd, 4),
        region_ci_lower: round(region_ci_lower, 4), region_ci_upper: round(region_ci_upper, 4),
        region_source: region_source, z: {{ o['o1_z'] }},
        min_participants: {{ o['min_participants'] }}
    }) as details,
    case status
        when 'insufficient_data' then
            'Недостаточно данных: участников ' || n || ', нужно не менее {{ o["min_participants"] }}.'
        when 'flagged' then
            'Средний первичный балл школы ' || round(mean_score, 2) || ' (участников: ' || n
            || '); нижняя граница 95% интервала ' || round(ci_lower, 2)
            || ' выше верхней границы интервала региона ' || round(region_ci_upper, 2)
            || ' (средний по региону ' || round(region_mean, 2) || ').'
        else
            'Нижняя граница 95% интервала школы ' || round(ci_lower, 2)
            || ' не выше верхней границы интервала региона ' || round(region_ci_upper, 2) || '.'
    end as explanation
from judged
