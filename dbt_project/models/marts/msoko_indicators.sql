-- Grain: one row per indicator value: academic year × window × level × unit of analysis
-- (school / municipality / region) × indicator × procedure × grade × subject × unit.
-- The contract table of INDICATORS.md §D.
with contributions as (
    select * from {{ ref('int_indicator_contributions') }}
),

aggregated as (
    select
        academic_year,
        "window",
        {{ level_of_grouping() }} as level,
        municipality,
        school_login,
        indicator_code,
        procedure,
        grade,
        subject,
        unit,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        sum(participants) as participants
    from contributions
    group by {{ three_levels(['academic_year', '"window"', 'indicator_code', 'procedure', 'grade', 'subject', 'unit']) }}
),

valued as (
    select
        *,
        participants < {{ var('min_participants_published') }} as suppressed,
        case
            when participants < {{ var('min_participants_published') }} then null
            when unit = '%' then {{ pct('numerator', 'denominator') }}
            else round(numerator / nullif(denominator, 0), 2)
        end as value
    from aggregated
),

with_previous as (
    select
        cur.*,
        prev.value as prev_value
    from valued as cur
    left join valued as prev
        on prev.academic_year = {{ prev_academic_year('cur.academic_year') }}
        and prev."window" = cur."window"
        and prev.level = cur.level
        and prev.indicator_code = cur.indicator_code
        and prev.procedure = cur.procedure
        and prev.grade = cur.grade
        and prev.subject = cur.subject
        and prev.unit = cur.unit
        and prev.municipality is not distinct from cur.municipality
        and prev.school_login is not distinct from cur.school_login
),

final as (
    select
        w.academic_year,
        w."window",
        w.level,
        w.municipality,
        w.school_login,
        w.indicator_code,
        c.indicator_name,
        w.procedure,
        w.grade,
        w.subject,
        case when w.suppressed then null else w.value end as value,
        case when w.suppressed then null else w.numerator end as numerator,
        case when w.suppressed then null else w.denominator end as denominator,
        w.unit,
        w.suppressed,
        -- A suppressed row publishes nothing, last year's value included (it stays on that row).
        case when w.suppressed then null else w.prev_value end as prev_value,
        w.participants
    from with_previous as w
    left join {{ ref('indicator_catalogue') }} as c
        on c.indicator_code = w.indicator_code
)

select * from final
