-- Grain: one row per year × procedure × grade × subject: the region's figures as the
-- department received them (for a municipality whose inbox holds only its own schools).
with source as (
    select * from {{ source('raw', 'ref_regional_figures') }}
),

renamed as (
    select
        year,
        procedure,
        grade,
        subject,
        participants,
        mean_score,
        sd_score,
        pct_2,
        pct_3,
        pct_4,
        pct_5,
        origin
    from source
)

select * from renamed
