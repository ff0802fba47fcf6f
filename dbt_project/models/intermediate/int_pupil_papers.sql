-- Grain: one row per pupil × paper (school, academic year, window, procedure, grade,
-- subject, pupil code), participants only (absent pupils are not participants), from the
-- current file version, with the mark from the year's grade scale.
with results as (
    select r.*
    from {{ ref('stg_pupil_results') }} as r
    join {{ ref('int_file_versions') }} as v
        on v.sha256 = r.sha256
        and v.school_login = r.school_login
        and v.procedure = r.procedure
        and v.grade = r.grade
        and v.subject = r.subject
        and v.is_current
    where not r.absent
),

scored as (
    select
        results.academic_year,
        results."window",
        results.procedure,
        results.grade,
        results.subject,
        results.year,
        schools.municipality,
        results.school_login,
        schools.school_kind,
        schools.settlement_type,
        results.pupil_code,
        results.class_letter,
        results.gender,
        results.journal_mark,
        results.primary_score,
        results.textbook,
        scales.max_score,
        scales.min_3,
        scales.min_4,
        scales.min_5,
        results.sha256,
        results.row_number
    from results
    join {{ ref('stg_schools') }} as schools using (school_login)
    left join {{ ref('stg_scales') }} as scales
        on scales.year = results.year
        and scales.procedure = results.procedure
        and scales.grade = results.grade
        and scales.subject = results.subject
),

final as (
    select
        *,
        case
            when max_score is null then null
            when primary_score >= min_5 then 5
            when primary_score >= min_4 then 4
            when primary_score >= min_3 then 3
            else 2
        end as mark,
        primary_score / nullif(max_score, 0) as share_of_max
    from scored
)

select * from final
