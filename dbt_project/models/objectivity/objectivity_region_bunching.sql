-- Grain: one row per paper × mark boundary (O4 papers whose regional histogram has at least
-- 50 pupils): the region's observed count at the boundary, the count the smooth
-- counterfactual expects, and the excess (INDICATORS.md §B, O4, region part).
select
    academic_year, procedure, grade, subject,
    primary_score as boundary,
    case primary_score when min_3 then 3 when min_4 then 4 when min_5 then 5 end as mark,
    region_participants,
    pupils as observed,
    round(counterfactual, 2) as expected,
    round(pupils - counterfactual, 2) as excess,
    round(100.0 * (pupils - counterfactual) / nullif(counterfactual, 0), 1) as excess_pct
from {{ ref('int_objectivity_counterfactual') }}
where is_boundary and status = 'ok'
