with source as (
    select * from {{ source('raw', 'exam_results') }}
),

renamed as (
    select
        sha256,
        row_number,
        academic_year,
        "window",
        procedure,
        grade,
        subject,
        year,
        received_at,
        school_code,
        school_login,
        pupil_code,
        primary_score,
        test_score,
        mark,
        annual_mark
    from source
)

select * from renamed
