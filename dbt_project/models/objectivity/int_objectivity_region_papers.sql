{{ config(schema='intermediate') }}
-- Grain: one row per paper (academic_year × procedure × grade × subject): the region's
-- participants, mean primary score and sample standard deviation, for O1.
-- "The region" is every pupil in the inbox, unless the inbox holds a single municipality
-- and the department has supplied regional figures (INPUTS.md §7, table
-- stg_regional_figures, from reference/regional.csv): then those figures stand for the
-- region. `source` says which was used.
with inbox as (
    select
        academic_year, procedure, grade, subject, year,
        count(*) as participants,
        -- Rounded to 10 places: the running sums depend on the order threads meet the rows,
        -- and a rerun of the same inbox must give the same table to the last digit.
        round(avg(primary_score), 10) as mean_score,
        round(stddev_samp(primary_score), 10) as sd_score,
        count(distinct municipality) as municipalities
    from {{ ref('int_objectivity_papers') }}
    where primary_score is not null
    group by academic_year, procedure, grade, subject, year
),

figures as (
    select
        cast(year as integer) as year, procedure, cast(grade as integer) as grade, subject,
        cast(participants as bigint) as participants,
        cast(mean_score as double) as mean_score,
        cast(sd_score as double) as sd_score
    from {{ ref('stg_regional_figures') }}
),

single_municipality as (
    select count(distinct municipality) = 1 as yes from {{ ref('int_objectivity_papers') }}
),

final as (
    select
        inbox.academic_year, inbox.procedure, inbox.grade, inbox.subject,
        coalesce(figures.participants, inbox.participants) as participants,
        coalesce(figures.mean_score, inbox.mean_score) as mean_score,
        coalesce(figures.sd_score, inbox.sd_score) as sd_score,
        case when figures.participants is not null then 'regional_figures' else 'inbox' end as source
    from inbox
    cross join single_municipality
    left join figures
        on single_municipality.yes
        and figures.year = inbox.year
        and figures.procedure = inbox.procedure
        and figures.grade = inbox.grade
        and figures.subject = inbox.subject
)

select * from final
