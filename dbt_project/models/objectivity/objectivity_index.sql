-- Grain: one row per academic year × level ('municipality' per municipality; 'region' once,
-- when the inbox holds more than one municipality, i.e. the region).
-- Objectivity index (Rosobrnadzor): 100 − % of the schools flagged on at least one of
-- O1–O3, over the schools with at least one participant in the O1–O3 scope that year
-- (VPR Russian and mathematics grades 4–5, OGE Russian and mathematics; O3 is reported
-- under its grade-5 year, which is in that scope).
with scope as (
    select distinct academic_year, municipality, school_login
    from {{ ref('int_objectivity_papers') }}
    where in_index_scope
),

flagged as (
    select distinct academic_year, school_login
    from {{ ref('objectivity_flags') }}
    where flagged and check_code in ('O1', 'O2', 'O3')
),

schools as (
    select scope.*, flagged.school_login is not null as is_flagged
    from scope
    left join flagged using (academic_year, school_login)
),

municipalities as (
    select academic_year, 'municipality' as level, municipality,
           count(*) as schools_total, count(*) filter (where is_flagged) as schools_flagged
    from schools
    group by academic_year, municipality
),

region as (
    select academic_year, 'region' as level, cast(null as varchar) as municipality,
           count(*) as schools_total, count(*) filter (where is_flagged) as schools_flagged
    from schools
    group by academic_year
    having (select count(distinct municipality) from schools) > 1
),

final as (
    select * from municipalities
    union all
    select * from region
)

select
    academic_year, level, municipality, schools_total, schools_flagged,
    round(100 - 100.0 * schools_flagged / schools_total, 2) as index_value
from final
