{{ config(schema='intermediate', materialized='school_partitioned') }}
-- Grain: one row per pupil × paper that any objectivity check or the ШНОР list reads: every
-- participant row of int_pupil_papers (VPR, diagnostics, OGE, EGE), in the one shape the
-- checks are written against.
-- school_mark is the journal mark (VPR) or the annual mark (OGE/EGE: INDICATORS.md §B, O2).
-- below_min follows §C (int_pupil_papers.below_minimum): mark 2, except EGE subjects with a
-- test score, which are below the year's minimum test score.
-- School-partitioned (macros/school_partitioned.sql): a school's correction re-derives that
-- school's rows only.
-- The distribution checks compare primary scores against a primary-score scale, so EGE
-- papers (scaled on the test score, or marked in the protocol) carry no scale here.
with papers as (
    select * from {{ ref('int_pupil_papers') }}
    where {{ changed_schools('school_login') }}
),

final as (
    select
        academic_year, "window", procedure, grade, subject, year, municipality, school_login,
        school_kind, pupil_code, sha256, row_number,
        case when procedure in ('oge', 'ege') then annual_mark else journal_mark end as school_mark,
        primary_score,
        case when procedure <> 'ege' then max_score end as max_score,
        case when procedure <> 'ege' then min_3 end as min_3,
        case when procedure <> 'ege' then min_4 end as min_4,
        case when procedure <> 'ege' then min_5 end as min_5,
        mark,
        case when procedure <> 'ege' then share_of_max end as share_of_max,
        below_minimum as below_min
    from papers
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
