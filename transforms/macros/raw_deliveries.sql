{#
    Every delivery of one raw topic, each raw file read once (an incremental model).

    Raw files are immutable and named by their first offset, so a build reads only the
    files that no earlier build staged (found with DuckDB's glob() against the
    source_file column), and re-judges only the event_ids those files bring:
    `is_first_delivery` marks, per event_id, the delivery staging keeps (lowest
    topic/partition/offset), whichever build saw it first. A file no longer on disk or
    rewritten with other rows is caught before dbt starts (clemency/transform/dbt.py,
    `stale_raw_files`), which then rebuilds these models from scratch (--full-refresh).
#}
{% macro raw_deliveries(source_table, topic) %}

{%- set files = var('raw', var('lake') ~ '/../raw') ~ '/' ~ topic ~ '/*/*.parquet' -%}
{%- set new_files = [] -%}
{%- if is_incremental() and execute -%}
    {%- set unstaged = run_query(
        "select file from glob('" ~ files ~ "') except "
        ~ "select distinct source_file from " ~ this ~ " order by file"
    ) -%}
    {%- set new_files = unstaged.columns[0].values() -%}
{%- endif %}

with

deliveries as (

    select
        * exclude (filename),
        filename as source_file
    from {{ source('raw', source_table) }}
    {%- if is_incremental() %}
    where
        {%- if new_files %}
        filename in (
            {%- for file in new_files %}
            '{{ file }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
        {%- else %}
        false
        {%- endif %}
    {%- endif %}

),

{% if is_incremental() -%}
-- the deliveries already staged of every event_id the new files bring: judged again
already_staged as (

    select * exclude (is_first_delivery) from {{ this }}
    where event_id in (select deliveries.event_id from deliveries)

),

candidates as (

    select * from already_staged
    union all by name
    select * from deliveries

),
{%- else -%}
candidates as (

    select * from deliveries

),
{%- endif %}

-- Only an event_id delivered more than once has deliveries to rank: ranking every row
-- (a window over the whole table, payloads and all) cost a national full build 2.5 s more
repeated as (

    select event_id
    from candidates
    group by event_id
    having count(*) > 1

),

ranked as (

    select
        candidates.kafka_topic,
        candidates.kafka_partition,
        candidates.kafka_offset,
        row_number() over (
            partition by candidates.event_id
            order by candidates.kafka_topic, candidates.kafka_partition, candidates.kafka_offset
        ) = 1 as is_first_delivery
    from candidates
    semi join repeated on candidates.event_id = repeated.event_id

),

flagged as (

    select
        candidates.*,
        coalesce(ranked.is_first_delivery, true) as is_first_delivery
    from candidates
    left join ranked
        on
            candidates.kafka_topic = ranked.kafka_topic
            and candidates.kafka_partition = ranked.kafka_partition
            and candidates.kafka_offset = ranked.kafka_offset

)

select * from flagged

{% endmacro %}
