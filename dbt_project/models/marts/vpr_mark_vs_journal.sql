-- Grain: one row per academic year × window × level × unit of analysis × VPR grade × subject.
-- Contract table of INDICATORS.md §D, the FIS OKO report «Сравнение отметок с отметками по
-- журналу»: Понизили (VPR < journal), Подтвердили (=), Повысили (VPR > journal), over
-- participants with a valid journal mark (2–5). Fewer than 5 pupils: counts and shares NULL.
with pupils as (
    select academic_year, "window", grade, subject, municipality, school_login,
           sign(mark - journal_mark) as direction
    from {{ ref('int_pupil_papers') }}
    where procedure = 'vpr' and mark is not null and journal_mark between 2 and 5
),

aggregated as (
    select
        academic_year,
        "window",
        {{ level_of_grouping() }} as level,
        municipality,
        school_login,
        grade,
        subject,
        count(*) filter (where direction < 0) as lowered,
        count(*) filter (where direction = 0) as confirmed,
        count(*) filter (where direction > 0) as raised,
        count(*) as total
    from pupils
    group by {{ three_levels(['academic_year', '"window"', 'grade', 'subject']) }}
),

final as (
    select
        academic_year,
        "window",
        level,
        municipality,
        school_login,
        grade,
        subject,
        {{ suppressed_unless_enough('lowered', 'total') }} as lowered,
        {{ suppressed_unless_enough('confirmed', 'total') }} as confirmed,
        {{ suppressed_unless_enough('raised', 'total') }} as raised,
        total,
        {{ suppressed_unless_enough(pct('lowered', 'total'), 'total') }} as lowered_pct,
        {{ suppressed_unless_enough(pct('confirmed', 'total'), 'total') }} as confirmed_pct,
        {{ suppressed_unless_enough(pct('raised', 'total'), 'total') }} as raised_pct
    from aggregated
)

select * from final
