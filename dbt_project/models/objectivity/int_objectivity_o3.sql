{{ config(schema='intermediate') }}
-- Grain: one row per school × cohort pair, reported under the later year with the later
-- grade (VPR Russian and mathematics: grade 4 in year Y, grade 5 in year Y+1).
-- O3 cohort jump (Rosobrnadzor): K = S(grade N, year Y) / S(grade N+1, year Y+1), S = the
-- school's mean share of the maximum score. Over the schools with at least 10 participants
-- in both years: sharp fall when K > Q75 + 3·IQR, sharp rise when K < Q25 − 3·IQR
-- (quartiles with linear interpolation). statistic = K, threshold = the bound on K's side
-- of the median (both bounds are in details).
{%- set o = var('objectivity') %}
with papers as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        count(*) as n,
        avg(share_of_max) as s
    from {{ ref('int_objectivity_papers') }}
    where in_index_scope and procedure = 'vpr' and share_of_max is not null
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
),

pairs as (
    select
        later.academic_year, later."window", later.procedure, later.grade, later.subject,
        later.municipality, later.school_login,
        earlier.academic_year as earlier_year, earlier.grade as earlier_grade,
        earlier.n as n_earlier, later.n as n_later,
        earlier.s as s_earlier, later.s as s_later,
        earlier.s / nullif(later.s, 0) as k
    from papers as later
    join papers as earlier
        on earlier.school_login = later.school_login
        and earlier.procedure = later.procedure
        and earlier.subject = later.subject
        and earlier.grade = later.grade - 1
        and earlier.academic_year = {{ prev_academic_year('later.academic_year') }}
),

eligible as (
    select * from pairs
    where least(n_earlier, n_later) >= {{ o['min_participants'] }} and k is not null
),

quartiles as (
    select
        academic_year, procedure, grade, subject,
        count(*) as schools,
        {{ percentile_cont('k', 0.25) }} as q25,
        {{ percentile_cont('k', 0.5) }} as median,
        {{ percentile_cont('k', 0.75) }} as q75
    from eligible
    group by academic_year, procedure, grade, subject
),

judged as (
    select
        pairs.*,
        quartiles.schools, quartiles.q25, quartiles.median, quartiles.q75,
        quartiles.q75 - quartiles.q25 as iqr,
        quartiles.q25 - {{ o['iqr_factor'] }} * (quartiles.q75 - quartiles.q25) as lower_bound,
        quartiles.q75 + {{ o['iqr_factor'] }} * (quartiles.q75 - quartiles.q25) as upper_bound
    from pairs
    left join quartiles using (academic_year, procedure, grade, subject)
),

verdicts as (
    select
        *,
        case
            when least(n_earlier, n_later) < {{ o['min_participants'] }} or k is null
                 or coalesce(schools, 0) < {{ o['min_schools_quartiles'] }}
                then 'insufficient_data'
            when k > upper_bound or k < lower_bound then 'flagged'
            else 'ok'
        end as status,
        case when k > upper_bound then 'fall' when k < lower_bound then 'rise' end as direction
    from judged
)

select
    academic_year, "window", municipality, school_login, procedure, grade, subject,
    'O3' as check_code,
    case when status <> 'insufficient_data' then round(k, 4) end as statistic,
    case when status <> 'insufficient_data' then
        round(case when k >= median then upper_bound else lower_bound end, 4) end as threshold,
    least(n_earlier, n_later) as n_participants,
    status = 'flagged' as flagged,
    status,
    to_json({
        direction: direction,
        earlier_year: earlier_year, earlier_grade: earlier_grade,
        participants_earlier: n_earlier, participants_later: n_later,
        mean_share_earlier: round(s_earlier, 4), mean_share_later: round(s_later, 4),
        k: round(k, 4), schools_compared: schools,
        q25: round(q25, 4), median: round(median, 4), q75: round(q75, 4), iqr: round(iqr, 4),
        lower_bound: round(lower_bound, 4), upper_bound: round(upper_bound, 4),
        iqr_factor: {{ o['iqr_factor'] }},
        min_participants: {{ o['min_participants'] }},
        min_schools: {{ o['min_schools_quartiles'] }}
    }) as details,
    case
        when status = 'insufficient_data' then
            case when least(n_earlier, n_later) < {{ o['min_participants'] }} then
                'Недостаточно данных: участников ' || n_earlier || ' (' || earlier_grade || ' кл., '
                || earlier_year || ') и ' || n_later || ' (' || grade || ' кл.), нужно не менее '
                || '{{ o["min_participants"] }} в каждом году.'
            else 'Недостаточно данных: школ для сравнения ' || coalesce(schools, 0)
                || ', нужно не менее {{ o["min_schools_quartiles"] }}.' end
        when direction = 'fall' then
            'Резкое падение: доля от максимума ' || round(s_earlier, 3) || ' в ' || earlier_grade
            || ' кл. (' || earlier_year || ') и ' || round(s_later, 3) || ' в ' || grade || ' кл.; K = '
            || round(k, 3) || ' > Q75 + 3·IQR = ' || round(upper_bound, 3) || '.'
        when direction = 'rise' then
            'Резкий рост: доля от максимума ' || round(s_earlier, 3) || ' в ' || earlier_grade
            || ' кл. (' || earlier_year || ') и ' || round(s_later, 3) || ' в ' || grade || ' кл.; K = '
            || round(k, 3) || ' < Q25 − 3·IQR = ' || round(lower_bound, 3) || '.'
        else
            'K = ' || round(k, 3) || ' в пределах [' || round(lower_bound, 3) || '; '
            || round(upper_bound, 3) || '].'
    end as explanation
from verdicts
