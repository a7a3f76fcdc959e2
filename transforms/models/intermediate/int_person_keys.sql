-- Each person's pseudonym (person_key: HMAC-SHA256 of the person id under the lake's secret
-- key, clemency/lake/pseudonym.py), computed once per person: an incremental table that adds
-- the people it does not hold yet. The marts read person_key here rather than calling the
-- function on every row: it is Python, and the marts built side by side waited on each
-- other's calls (a national amnesty mart 6.3 s with the calls, 3.8 s with this table). A
-- changed secret key changes the person-level fingerprint, and the table is built again
-- (clemency/transform/person_level.py).
with

people as (

    select person_id from {{ ref('int_people') }}
    {%- if is_incremental() %}
    where person_id not in (select keyed.person_id from {{ this }} as keyed)
    {%- endif %}

)

select
    person_id,
    person_key(person_id) as person_key
from people
