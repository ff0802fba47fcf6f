-- Grain: one row per paper × level × school × school mark × result mark: the chart-ready
-- comparison of the school's own mark (journal mark for VPR, annual mark for OGE) with the
-- mark of the paper, for the region (level 'region') and for every school flagged on that
-- paper by any check (level 'school'). Computed here from the pupil rows, so it does not
-- depend on marts.vpr_mark_vs_journal. Pupils without a school mark are left out.
with pupils as (
    select * from {{ ref('int_objectivity_papers') }}
    where school_mark is not null and mark is not null
),

flagged as (
    select distinct academic_year, procedure, grade, subject, municipality, school_login
    from {{ ref('objectivity_flags') }}
    where flagged
),

schools as (
    select p.academic_year, p.procedure, p.grade, p.subject, 'school' as level,
           p.municipality, p.school_login, p.school_mark, p.mark as result_mark, count(*) as pupils
    from pupils as p
    join flagged using (academic_year, procedure, grade, subject, municipality, school_login)
    group by p.academic_year, p.procedure, p.grade, p.subject, p.municipality, p.school_login,
             p.school_mark, p.mark
),

region as (
    select academic_year, procedure, grade, subject, 'region' as level,
           cast(null as varchar) as municipality, cast(null as varchar) as school_login,
           school_mark, mark as result_mark, count(*) as pupils
    from pupils
    where procedure in ('vpr', 'oge')
    group by academic_year, procedure, grade, subject, school_mark, mark
),

unioned as (
    select * from region
    union all
    select * from schools
)

select
    *,
    pupils / sum(pupils) over (partition by academic_year, procedure, grade, subject, level, school_login) as share,
    case when result_mark < school_mark then 'lowered'
         when result_mark > school_mark then 'raised'
         else 'confirmed' end as comparison
from unioned
