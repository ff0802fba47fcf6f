-- Grain: one row per pupil × paper × indicator. Every catalogue indicator that is a mean or
-- a share is additive: value = numerator / denominator (× 100 for '%'), so the three levels
-- (school, municipality, region) are sums of these rows (msoko_indicators).
with vpr as (
    select * from {{ ref('int_pupil_papers') }}
    where procedure = 'vpr' and mark is not null
),

vpr_indicators as (
    -- 1.3.x: defined for grade 4; published for grade 5 as well (INDICATORS.md §A).
    select *, '1.3.1' as indicator_code, 'балл' as unit,
           primary_score::double as numerator, 1 as denominator
    from vpr where grade in (4, 5)
    union all
    select *, '1.3.2', '%', (mark = 2)::int::double, 1
    from vpr where grade in (4, 5)
    union all
    select *, '1.3.3', '%', (primary_score > {{ var('high_score_share') }} * max_score)::int::double, 1
    from vpr where grade in (4, 5)
),

final as (
    select
        academic_year,
        "window",
        procedure,
        grade,
        subject,
        municipality,
        school_login,
        indicator_code,
        unit,
        numerator,
        denominator,
        pupil_code
    from vpr_indicators
)

select * from final
