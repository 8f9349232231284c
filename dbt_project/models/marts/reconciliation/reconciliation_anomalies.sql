{{
    config(
        materialized='incremental',
        unique_key='anomaly_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false
    )
}}
{#- Every reconciliation discrepancy, kept across builds: an anomaly found again keeps
    its first_seen; one no longer found is marked resolved (never deleted); one found
    again after that is open again. The id is a hash of what identifies the anomaly, so
    re-running never counts a discrepancy twice. full_refresh=false: a full refresh of
    the project (after a raw-zone correction) keeps the history. -#}
with

detected as (

    select * from {{ ref('int_recon_anomalies') }}

),

build as (

    {#- var recon_built_at pins the build time (unit tests); else the time the dbt run started -#}
    select cast('{{ var("recon_built_at", none) or run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at

),

{% if is_incremental() %}
known as (

    select * from {{ this }}

),
{% endif %}

current_rows as (

    select
        detected.anomaly_id,
        detected.anomaly_class,
        detected.severity,
        detected.amount_at_stake,
        detected.currency,
        detected.amount_at_stake_cny,
        detected.channel_id,
        detected.order_id,
        detected.settlement_ids,
        detected.location_id,
        detected.sku,
        detected.business_date,
        detected.rows_involved,
        detected.detail,
        {% if is_incremental() -%}
        coalesce(known.first_seen, build.built_at) as first_seen,
        {%- else -%}
        build.built_at as first_seen,
        {%- endif %}
        build.built_at as last_seen,
        'open' as status,
        cast(null as timestamp) as resolved_at
    from detected
    cross join build
    {% if is_incremental() -%}
    left join known
        on detected.anomaly_id = known.anomaly_id
    {%- endif %}

),

{% if is_incremental() %}
resolved_rows as (

    select
        known.anomaly_id,
        known.anomaly_class,
        known.severity,
        known.amount_at_stake,
        known.currency,
        known.amount_at_stake_cny,
        known.channel_id,
        known.order_id,
        known.settlement_ids,
        known.location_id,
        known.sku,
        known.business_date,
        known.rows_involved,
        known.detail,
        known.first_seen,
        known.last_seen,
        'resolved' as status,
        build.built_at as resolved_at
    from known
    cross join build
    where known.status = 'open'
        and not exists (select 1 from detected where detected.anomaly_id = known.anomaly_id)

),
{% endif %}

final as (

    select * from current_rows
    {% if is_incremental() -%}
    union all
    select * from resolved_rows
    {%- endif %}

)

select * from final
