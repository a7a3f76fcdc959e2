-- One row per offence of the sentence served at each evaluation date, classified from
-- the seeded Penal Code catalogue (an article missing from it is 'unclassified').
with

sentences as (

    select * from {{ ref('int_sentences_at_evaluation') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

catalogue as (

    select * from {{ ref('penal_code_articles') }}

),

offences as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        cast(offences.offence ->> '$.article' as integer) as article,
        cast(offences.offence ->> '$.clause' as integer) as clause,
        offences.offence ->> '$.point' as point
    from sentences,
        unnest(cast(sentences.offences as json[])) as offences (offence)

),

classified as (

    select
        offences.*,
        coalesce(catalogue.category, 'unclassified') as category,
        catalogue.chapter
    from offences
    left join catalogue on catalogue.article = offences.article

)

select * from classified
