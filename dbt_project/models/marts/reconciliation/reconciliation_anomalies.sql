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
    select
        cast('{{ var("recon_built_at", none) or run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
            as built_at

),

{% if is_incremental() %}
{#- A table built before the rate columns existed: its rows get no rate (null) until found
    again, and an amount it copied 1:1 into amount_at_stake_cny from another currency than
    CNY (the old default rate) is taken back to null, flagged fx_rate_missing. (In a unit
    test `this` is the fixture, text, with every column.) -#}
{%- set known_columns = [] if this is string else
    adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    known as (

        {% if known_columns and 'fx_rate' not in known_columns -%}
            {%- set copied_1_to_1 = "coalesce(currency, '') not in ('CNY', 'units') and amount_at_stake_cny = amount_at_stake" %}
            select
                {% for column in known_columns -%}
        {% if column == 'amount_at_stake_cny' -%}
        case when not ({{ copied_1_to_1 }}) then amount_at_stake_cny end as amount_at_stake_cny,
        {%- else -%}
        {{ column }},
        {%- endif %}
        {% endfor -%}
                cast(null as double) as fx_rate,
                cast(null as date) as fx_rate_date,
                cast(null as {{ dbt.type_string() }}) as fx_rate_source,
                coalesce(currency, '') <> 'units'
                and (amount_at_stake_cny is null or {{ copied_1_to_1 }}) as fx_rate_missing
            from {{ this }}
        {%- else -%}
            select * from {{ this }}
        {%- endif %}

    ),
{% endif %}

current_rows as (

    select
        detected.anomaly_id,
        detected.anomaly_class,
        detected.severity,
        detected.amount_at_stake,
        detected.currency,
        detected.fx_rate,
        detected.fx_rate_date,
        detected.fx_rate_source,
        detected.amount_at_stake_cny,
        detected.fx_rate_missing,
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
            known.fx_rate,
            known.fx_rate_date,
            known.fx_rate_source,
            known.amount_at_stake_cny,
            known.fx_rate_missing,
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
        where
            known.status = 'open'
            and not exists (
                select 1 from detected
                where detected.anomaly_id = known.anomaly_id
            )

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
