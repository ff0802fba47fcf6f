-- Grain: one row per academic year × window × level × unit of analysis × exam procedure
-- (OGE, EGE) × elective subject. Seed 002: % of graduates who chose each elective exam;
-- graduates = distinct takers of any subject of the procedure (school + participant code).
with papers as (
    select * from {{ ref('int_pupil_papers') }} where procedure in ('oge', 'ege')
),

graduates as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, count(distinct school_login || chr(31) || pupil_code) as graduates
    from papers
    group by {{ three_levels(['academic_year', '"window"', 'procedure']) }}
),

choices as (
    select
        academic_year, "window", {{ level_of_grouping() }} as level, municipality, school_login,
        procedure, subject, count(distinct school_login || chr(31) || pupil_code) as chose
    from papers
    where subject_role = 'elective'
    group by {{ three_levels(['academic_year', '"window"', 'procedure', 'subject']) }}
),

final as (
    select
        g.academic_year, g."window", g.level, g.municipality, g.school_login, g.procedure,
        c.subject, g.graduates,
        {{ suppressed_unless_enough('coalesce(c.chose, 0)', 'g.graduates') }} as chose,
        {{ suppressed_unless_enough(pct('coalesce(c.chose, 0)', 'g.graduates'), 'g.graduates') }} as chose_pct
    from graduates as g
    join choices as c
        on c.academic_year = g.academic_year and c."window" = g."window" and c.level = g.level
        and c.municipality is not distinct from g.municipality
        and c.school_login is not distinct from g.school_login
        and c.procedure = g.procedure
)

select * from final
