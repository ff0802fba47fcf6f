{{ config(schema='intermediate') }}
-- Grain: one row per pupil × paper that any objectivity check or the ШНОР list reads:
-- per-pupil papers (VPR, diagnostics) from int_pupil_papers, and OGE/EGE results from the
-- current protocol versions. One shape for both so every check is written once.
-- school_mark is the journal mark (VPR) or the annual mark (OGE/EGE: INDICATORS.md §B, O2).
-- below_min follows §C: mark 2, except EGE subjects with a test score, which are below the
-- year's minimum test score (the scale's min_3 on the test-score scale).
with pupil_papers as (
    select
        academic_year, "window", procedure, grade, subject, year, municipality, school_login,
        school_kind, pupil_code, sha256, row_number,
        journal_mark as school_mark,
        primary_score, max_score, min_3, min_4, min_5, mark,
        share_of_max,
        mark = 2 as below_min
    from {{ ref('int_pupil_papers') }}
    -- int_pupil_papers also carries OGE/EGE protocol rows; they come in below from the
    -- protocols with the exam-specific scale handling, so they are left out here.
    where procedure not in ('oge', 'ege')
),

exams as (
    select e.*
    from {{ ref('stg_exam_results') }} as e
    join {{ ref('int_file_versions') }} as v
        on v.sha256 = e.sha256
        and v.school_login = e.school_login
        and v.procedure = e.procedure
        and v.grade = e.grade
        and v.subject = e.subject
        and v.is_current
),

exam_papers as (
    select
        exams.academic_year, exams."window", exams.procedure, exams.grade, exams.subject,
        exams.year, schools.municipality, exams.school_login, schools.school_kind,
        exams.pupil_code, exams.sha256, exams.row_number,
        exams.annual_mark as school_mark,
        exams.primary_score,
        -- OGE scales are on the primary score; EGE scales on the test score, so only OGE
        -- papers carry a primary-score scale into the distribution checks.
        case when exams.procedure = 'oge' then scales.max_score end as max_score,
        case when exams.procedure = 'oge' then scales.min_3 end as min_3,
        case when exams.procedure = 'oge' then scales.min_4 end as min_4,
        case when exams.procedure = 'oge' then scales.min_5 end as min_5,
        exams.mark,
        case when exams.procedure = 'oge'
             then exams.primary_score / nullif(scales.max_score, 0) end as share_of_max,
        case
            when exams.procedure = 'ege' and exams.test_score is not null
                then exams.test_score < scales.min_3
            else exams.mark = 2
        end as below_min
    from exams
    join {{ ref('stg_schools') }} as schools using (school_login)
    left join {{ ref('stg_scales') }} as scales
        on scales.year = exams.year
        and scales.procedure = exams.procedure
        and scales.grade = exams.grade
        and scales.subject = exams.subject
),

final as (
    select * from pupil_papers
    union all by name
    select * from exam_papers
)

select
    *,
    -- Whether the paper is in the O1–O3 scope (and so counts a school for the index).
    (
        subject in (
            {%- for s in var('objectivity')['scope_subjects'] %}'{{ s }}'{{ ',' if not loop.last }}{% endfor -%}
        )
        and (
            (procedure = 'vpr' and grade in ({{ var('objectivity')['scope_vpr_grades'] | join(', ') }}))
            or procedure = 'oge'
        )
    ) as in_index_scope
from final
