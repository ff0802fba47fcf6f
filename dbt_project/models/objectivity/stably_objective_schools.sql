-- Grain: one row per academic year × school that is stably objective in that year.
-- Regulation §7.5 / INDICATORS.md §B: a school with no flag in any check (O1–O6) in each of
-- the last 3 academic years, present (at least one participant in the O1–O3 scope) in each.
-- years_clean counts the consecutive clean years that end in academic_year (≥ 3).
{%- set o = var('objectivity') %}
with present as (
    select distinct academic_year, municipality, school_login,
           cast(left(academic_year, 4) as integer) as start_year
    from {{ ref('int_objectivity_papers') }}
    where in_index_scope
),

flagged as (
    select distinct academic_year, school_login
    from {{ ref('objectivity_flags') }}
    where flagged
),

clean as (
    select present.*
    from present
    anti join flagged using (academic_year, school_login)
),

runs as (
    -- gaps-and-islands: consecutive clean years share start_year − row number
    select *,
           start_year - row_number() over (partition by school_login order by start_year) as island
    from clean
),

counted as (
    select *,
           row_number() over (partition by school_login, island order by start_year) as years_clean
    from runs
)

select academic_year, municipality, school_login, years_clean
from counted
where years_clean >= {{ o['stable_years'] }}
