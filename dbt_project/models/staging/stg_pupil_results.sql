with source as (
    select * from {{ source('raw', 'pupil_results') }}
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
        school_login,
        pupil_code,
        variant,
        absent,
        class_letter,
        gender,
        journal_mark,
        file_total,
        primary_score,
        textbook
    from source
)

select * from renamed
