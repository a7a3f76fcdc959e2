-- Fines, court fees and civil compensation owed and paid by each evaluation date, and
-- whether a hardship finding was recorded (partial payment then suffices, except for
-- corruption offences, where every civil obligation must be met: Law on Amnesty Art. 11).
-- An obligation also counts as met from the day the civil-enforcement head terminated its
-- enforcement or the creditor waived it in writing (Decree 52/2019/NĐ-CP Art. 4).
with

sentences as (

    select * from {{ ref('int_sentences_at_evaluation') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

payments as (

    select * from {{ ref('stg_facility__obligation_payments') }}

),

hardship as (

    select * from {{ ref('stg_facility__hardship_certificates') }}

),

discharges as (

    select * from {{ ref('stg_facility__obligation_discharges') }}

),

paid as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        coalesce(sum(payments.amount_vnd) filter (where payments.obligation_kind = 'fine'), 0)
            as fine_paid_vnd,
        coalesce(sum(payments.amount_vnd) filter (where payments.obligation_kind = 'court_fee'), 0)
            as court_fee_paid_vnd,
        coalesce(
            sum(payments.amount_vnd) filter (where payments.obligation_kind = 'compensation'), 0
        ) as compensation_paid_vnd
    from sentences
    inner join payments
        on payments.person_id = sentences.person_id
        and payments.paid_date <= sentences.evaluation_date
    group by all

),

hardship_at_point as (

    select distinct
        sentences.person_id,
        sentences.evaluation_date
    from sentences
    inner join hardship
        on hardship.person_id = sentences.person_id
        and hardship.certified_date <= sentences.evaluation_date

),

discharged as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        bool_or(discharges.obligation_kind = 'fine') as fine_discharged,
        bool_or(discharges.obligation_kind = 'court_fee') as court_fee_discharged,
        bool_or(discharges.obligation_kind = 'compensation') as compensation_discharged,
        list(distinct discharges.discharge_reason order by discharges.discharge_reason)
            as discharge_reasons
    from sentences
    inner join discharges
        on discharges.person_id = sentences.person_id
        and discharges.discharged_date <= sentences.evaluation_date
    group by all

),

obligations as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        sentences.is_corruption,
        coalesce(sentences.fine_vnd, 0) as fine_owed_vnd,
        coalesce(sentences.court_fee_vnd, 0) as court_fee_owed_vnd,
        coalesce(sentences.compensation_vnd, 0) as compensation_owed_vnd,
        coalesce(paid.fine_paid_vnd, 0) as fine_paid_vnd,
        coalesce(paid.court_fee_paid_vnd, 0) as court_fee_paid_vnd,
        coalesce(paid.compensation_paid_vnd, 0) as compensation_paid_vnd,
        hardship_at_point.person_id is not null as has_hardship,
        coalesce(discharged.fine_discharged, false) as fine_discharged,
        coalesce(discharged.court_fee_discharged, false) as court_fee_discharged,
        coalesce(discharged.compensation_discharged, false) as compensation_discharged,
        coalesce(discharged.discharge_reasons, []) as discharge_reasons
    from sentences
    left join paid using (person_id, evaluation_date)
    left join hardship_at_point using (person_id, evaluation_date)
    left join discharged using (person_id, evaluation_date)

),

judged as (

    select
        *,
        fine_paid_vnd >= fine_owed_vnd and court_fee_paid_vnd >= court_fee_owed_vnd
            as fines_and_fees_paid,
        compensation_paid_vnd >= compensation_owed_vnd as compensation_paid_in_full,
        (
            compensation_owed_vnd > 0
            and compensation_paid_vnd > 0
            and compensation_paid_vnd < compensation_owed_vnd
        ) as compensation_paid_in_part,
        -- settled: paid in full, or discharged (terminated or waived) by the evaluation date
        (fine_paid_vnd >= fine_owed_vnd or fine_discharged)
        and (court_fee_paid_vnd >= court_fee_owed_vnd or court_fee_discharged)
            as fines_and_fees_settled,
        compensation_paid_vnd >= compensation_owed_vnd or compensation_discharged
            as compensation_settled
    from obligations

)

select
    *,
    fines_and_fees_settled
    and (
        compensation_settled
        or (not is_corruption and compensation_paid_in_part and has_hardship)
    ) as obligations_met
from judged
