-- Grain: one row per school × paper (academic year × window × procedure × grade × subject) in
-- the scope of check O1 with at least `inflated_mean_min_participants` participants.
-- O1 (Rosobrnadzor): flag a school whose 95% interval of the mean primary score lies wholly
-- above the region's: x̄s − 1.96·ss/√m > x̄r + 1.96·sr/√n. Feeds indicator 3.4.
with papers as (
    select *
    from {{ ref('int_pupil_papers') }}
    where procedure in ({{ "'" ~ var('inflated_mean_procedures') | join("', '") ~ "'" }})
      and subject_role in ('russian', 'mathematics')
      and (procedure <> 'vpr' or grade in ({{ var('inflated_mean_vpr_grades') | join(', ') }}))
      and primary_score is not null
),

region as (
    select
        academic_year, "window", procedure, grade, subject,
        avg(primary_score) + 1.96 * stddev_samp(primary_score) / sqrt(count(*)) as region_upper
    from papers
    group by academic_year, "window", procedure, grade, subject
),

schools as (
    select
        academic_year, "window", procedure, grade, subject, municipality, school_login,
        count(*) as participants,
        avg(primary_score) - 1.96 * stddev_samp(primary_score) / sqrt(count(*)) as school_lower
    from papers
    group by academic_year, "window", procedure, grade, subject, municipality, school_login
    having count(*) >= {{ var('inflated_mean_min_participants') }}
),

final as (
    select
        schools.*,
        region.region_upper,
        coalesce(schools.school_lower > region.region_upper, false) as flagged
    from schools
    join region using (academic_year, "window", procedure, grade, subject)
)

select * from final
