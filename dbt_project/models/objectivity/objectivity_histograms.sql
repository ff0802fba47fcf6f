-- Grain: one row per paper × level × school × primary score (0..max): the chart-ready
-- primary-score histogram of the region (level 'region', school_login null) and of every
-- school flagged on that paper by any check (level 'school'), with the region's smooth
-- counterfactual (O4) beside it and the mark boundaries to draw.
with region as (
    select * from {{ ref('int_objectivity_counterfactual') }}
),

flagged as (
    select distinct academic_year, procedure, grade, subject, municipality, school_login
    from {{ ref('objectivity_flags') }}
    where flagged
),

school_counts as (
    select p.academic_year, p.procedure, p.grade, p.subject, p.municipality, p.school_login,
           p.primary_score, count(*) as pupils
    from {{ ref('int_objectivity_papers') }} as p
    join flagged using (academic_year, procedure, grade, subject, municipality, school_login)
    where p.primary_score is not null
    group by p.academic_year, p.procedure, p.grade, p.subject, p.municipality, p.school_login,
             p.primary_score
),

school_grid as (
    select
        f.academic_year, f.procedure, f.grade, f.subject, 'school' as level,
        f.municipality, f.school_login, r.primary_score,
        coalesce(c.pupils, 0) as pupils,
        coalesce(c.pupils, 0) / sum(coalesce(c.pupils, 0)) over (
            partition by f.academic_year, f.procedure, f.grade, f.subject, f.school_login) as share,
        r.counterfactual_share, r.max_score, r.min_3, r.min_4, r.min_5, r.is_boundary
    from flagged as f
    join region as r using (academic_year, procedure, grade, subject)
    left join school_counts as c
        using (academic_year, procedure, grade, subject, municipality, school_login, primary_score)
),

region_grid as (
    select
        academic_year, procedure, grade, subject, 'region' as level,
        cast(null as varchar) as municipality, cast(null as varchar) as school_login, primary_score,
        pupils, share, counterfactual_share, max_score, min_3, min_4, min_5, is_boundary
    from region
)

select * from region_grid
union all
select * from school_grid
