-- Grain: one row per pupil × paper (school, academic year, window, procedure, grade,
-- subject, pupil code), participants only (absent pupils are not participants), from the
-- current file version, with the mark from the year's grade scale.
-- Both per-pupil layouts (VPR, diagnostics: raw.pupil_results) and OGE/EGE protocols
-- (raw.exam_results) land here, so every indicator and check reads one table.
-- School-partitioned (macros/school_partitioned.sql): a school's correction rebuilds that
-- school's rows only.
{{ config(materialized='school_partitioned') }}

with pupil_results as (
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
        and {{ changed_schools('r.school_login') }}
),

exam_results as (
    select r.*
    from {{ ref('stg_exam_results') }} as r
    join {{ ref('int_file_versions') }} as v
        on v.sha256 = r.sha256
        and v.school_login = r.school_login
        and v.procedure = r.procedure
        and v.grade = r.grade
        and v.subject = r.subject
        and v.is_current
    where {{ changed_schools('r.school_login') }}
),

results as (
    select
        academic_year, "window", procedure, grade, subject, year, school_login, pupil_code,
        class_letter, gender, journal_mark, cast(null as integer) as annual_mark,
        primary_score, cast(null as integer) as test_score, cast(null as integer) as file_mark,
        textbook, sha256, row_number
    from pupil_results
    union all
    select
        academic_year, "window", procedure, grade, subject, year, school_login, pupil_code,
        cast(null as varchar), cast(null as varchar), cast(null as integer), annual_mark,
        primary_score, test_score, mark,
        cast(null as varchar), sha256, row_number
    from exam_results
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
        results.row_number,
        results.annual_mark,
        results.test_score,
        results.file_mark,
        procedures.indicator_group,
        -- Subjects not named in subject_roles are electives, scored as the procedure says
        -- (EGE electives on the test score, the rest on the primary score).
        coalesce(roles.role, 'elective') as subject_role,
        coalesce(roles.score_kind, procedures.default_score_kind) as score_kind
    from results
    join {{ ref('stg_schools') }} as schools using (school_login)
    left join {{ ref('procedure_codes') }} as procedures
        on procedures.procedure = results.procedure
    left join {{ ref('subject_roles') }} as roles
        on roles.procedure = results.procedure
        and roles.subject = results.subject
    left join {{ ref('stg_scales') }} as scales
        on scales.year = results.year
        and scales.procedure = results.procedure
        and scales.grade = results.grade
        and scales.subject = results.subject
),

marked as (
    select
        *,
        -- The scale is on the test score for EGE test-scored subjects (its min_3 is the
        -- minimum test score; there is no 5-point mark), on the primary score otherwise.
        -- A mark written in the protocol (OGE, EGE base mathematics) wins over the scale.
        case
            when score_kind = 'test_score' then null
            when file_mark is not null then file_mark
            when max_score is null then null
            when primary_score >= min_5 then 5
            when primary_score >= min_4 then 4
            when primary_score >= min_3 then 3
            else 2
        end as mark,
        case when score_kind = 'test_score' then test_score else primary_score end as scale_score
    from scored
),

final as (
    select
        academic_year,
        "window",
        procedure,
        grade,
        subject,
        year,
        municipality,
        school_login,
        school_kind,
        settlement_type,
        pupil_code,
        class_letter,
        gender,
        journal_mark,
        primary_score,
        textbook,
        max_score,
        min_3,
        min_4,
        min_5,
        sha256,
        row_number,
        mark,
        scale_score / nullif(max_score, 0) as share_of_max,
        annual_mark,
        test_score,
        indicator_group,
        subject_role,
        score_kind,
        scale_score,
        -- Below the minimum (ШНОР, 1.x.2): a test score below the year's minimum for
        -- test-scored EGE subjects, mark 2 everywhere else.
        case
            when score_kind = 'test_score' then test_score < min_3
            else mark = 2
        end as below_minimum
    from marked
)

select * from final
