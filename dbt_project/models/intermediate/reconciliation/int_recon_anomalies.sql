{#- Every discrepancy found by this build, one row each, with a deterministic id (a hash
    of its class and what identifies it), its severity and the rows involved.
    marts.reconciliation_anomalies keeps them across builds (first_seen, status). -#}
with

settlement_lines as (

    select * from {{ ref('int_recon_settlement_lines') }}

),

order_settlement as (

    select * from {{ ref('recon_order_settlement') }}

),

order_shipment as (

    select * from {{ ref('recon_order_shipment') }}

),

inventory as (

    select * from {{ ref('recon_inventory_daily') }}

),

fees as (

    select * from {{ ref('channel_fee_schedule') }}

),

severities as (

    select * from {{ ref('reconciliation_severity') }}

),

rates as (

    select * from {{ ref('int_fx_rates') }}

),

line_anomalies as (

    select
        case
            when is_unknown_order then 'unknown_order_settlement'
            when is_duplicate then 'duplicate_settlement'
            when is_refund_without_return then 'refund_without_return'
        end as anomaly_class,
        settlement_id as identity,
        channel_id,
        order_id,
        settlement_id as settlement_ids,
        cast(null as {{ dbt.type_string() }}) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        settled_date as business_date,
        case
            when is_unknown_order then net_amount
            when is_duplicate then net_amount
            else -net_amount
        end as amount_at_stake,
        currency,
        source_row_ref as rows_involved,
        case
            when is_unknown_order then 'settlement line ' || type || ' for an order the OMS does not know'
            when is_duplicate then 'sale payout repeated after the order was paid in full'
            else 'refund while the order is ' || order_status || ' and no return movement exists'
        end as detail
    from settlement_lines
    where is_unknown_order or is_duplicate or is_refund_without_return
    union all
    select
        'fee_rate_out_of_range' as anomaly_class,
        settlement_id as identity,
        channel_id,
        order_id,
        settlement_id as settlement_ids,
        cast(null as {{ dbt.type_string() }}) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        settled_date as business_date,
        fee_excess as amount_at_stake,
        currency,
        source_row_ref as rows_involved,
        'commission ' || cast(commission as {{ dbt.type_string() }})
        || ' (contract ' || cast(contracted_commission as {{ dbt.type_string() }})
        || '), payment fee ' || cast(payment_fee as {{ dbt.type_string() }})
        || ' (contract ' || cast(contracted_payment_fee as {{ dbt.type_string() }}) || ')' as detail
    from settlement_lines
    where is_fee_out_of_range and not is_unknown_order and not is_duplicate

),

order_anomalies as (

    select
        'missing_settlement' as anomaly_class,
        order_id as identity,
        channel_id,
        order_id,
        cast(null as {{ dbt.type_string() }}) as settlement_ids,
        cast(null as {{ dbt.type_string() }}) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        due_date as business_date,
        expected_net as amount_at_stake,
        currency,
        order_source_row as rows_involved,
        'no sale payout; due ' || cast(due_date as {{ dbt.type_string() }}) as detail
    from order_settlement
    where is_missing
    union all
    select
        'amount_mismatch' as anomaly_class,
        order_id as identity,
        channel_id,
        order_id,
        settlement_ids,
        cast(null as {{ dbt.type_string() }}) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        cast(last_settled_at as date) as business_date,
        mismatch_amount as amount_at_stake,
        currency,
        order_source_row as rows_involved,
        'paid net ' || cast(paid_net as {{ dbt.type_string() }})
        || ', expected ' || cast(expected_net as {{ dbt.type_string() }})
        || ', difference ' || cast(sale_difference as {{ dbt.type_string() }})
        || ' after fee deviations ' || cast(fee_excess as {{ dbt.type_string() }}) as detail
    from order_settlement
    where is_amount_mismatch
    union all
    select
        'fee_rate_out_of_range' as anomaly_class,
        order_id || '|shipping' as identity,
        channel_id,
        order_id,
        settlement_ids,
        cast(null as {{ dbt.type_string() }}) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        cast(last_settled_at as date) as business_date,
        shipping_fee_excess as amount_at_stake,
        currency,
        order_source_row as rows_involved,
        'shipping fees ' || cast(paid_shipping_fee as {{ dbt.type_string() }})
        || ' (contract ' || cast(expected_shipping_fee as {{ dbt.type_string() }}) || ' per order)' as detail
    from order_settlement
    where shipping_fee_excess <> 0

),

shipment_anomalies as (

    select
        case
            when order_shipment.is_shipped_after_cancel then 'shipped_after_cancel'
            when order_shipment.is_unshipped_past_sla then 'unshipped_past_sla'
            else 'shipped_quantity_mismatch'
        end as anomaly_class,
        order_shipment.order_id as identity,
        order_shipment.channel_id,
        order_shipment.order_id,
        cast(null as {{ dbt.type_string() }}) as settlement_ids,
        coalesce(order_shipment.shipped_location_id, order_shipment.location_id) as location_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        case
            when order_shipment.is_unshipped_past_sla then cast(order_shipment.ship_due_at as date)
            else cast(order_shipment.first_shipped_at as date)
        end as business_date,
        order_shipment.order_gross as amount_at_stake,
        coalesce(order_shipment.currency, fees.currency) as currency,
        order_shipment.order_source_row
        || case
            when order_shipment.first_movement_id is not null then '; movement ' || order_shipment.first_movement_id
            else ''
        end as rows_involved,
        case
            when order_shipment.is_shipped_after_cancel
                then
                    'status ' || order_shipment.status
                    || ' at ' || cast(order_shipment.cancelled_at as {{ dbt.type_string() }})
                    || ', shipped at ' || cast(order_shipment.last_shipped_at as {{ dbt.type_string() }})
            when order_shipment.is_unshipped_past_sla
                then 'paid at ' || cast(order_shipment.paid_at as {{ dbt.type_string() }}) || ', not shipped'
            else
                cast(order_shipment.skus_differing as {{ dbt.type_string() }})
                || ' SKU(s) shipped in other quantities than ordered'
        end as detail
    from order_shipment
    left join fees
        on order_shipment.channel_id = fees.channel_id
    where
        order_shipment.is_shipped_after_cancel
        or order_shipment.is_unshipped_past_sla
        or order_shipment.is_quantity_mismatch

),

stock_anomalies as (

    select
        'stock_count_drift' as anomaly_class,
        location_id || '|' || sku || '|' || cast(counted_at as {{ dbt.type_string() }}) as identity,
        cast(null as {{ dbt.type_string() }}) as channel_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as settlement_ids,
        location_id,
        sku,
        business_date,
        cast(drift_qty as decimal(18, 2)) as amount_at_stake,
        'units' as currency,
        first_count_row as rows_involved,
        'counted ' || cast(counted_qty as {{ dbt.type_string() }})
        || ', expected ' || cast(expected_qty as {{ dbt.type_string() }})
        || ' (previous count ' || coalesce(cast(previous_count_qty as {{ dbt.type_string() }}), 'none')
        || ' + ' || cast(inbound_qty as {{ dbt.type_string() }})
        || ' - ' || cast(outbound_qty as {{ dbt.type_string() }})
        || '), ledger ' || cast(ledger_qty as {{ dbt.type_string() }}) as detail
    from inventory
    where is_drift

),

detected as (

    select * from line_anomalies
    union all
    select * from order_anomalies
    union all
    select * from shipment_anomalies
    union all
    select * from stock_anomalies

),

{# Money is converted to CNY at the rate in force on the anomaly's business day
    (int_fx_rates); a currency that is unknown or has no rate that day is never
    converted: amount_at_stake_cny stays null and fx_rate_missing says so. Stock
    drift is in units and is not money. -#}
converted as (

    select
        detected.*,
        detected.currency <> 'units' as is_money,
        rates.rate_to_cny as fx_rate,
        rates.valid_from as fx_rate_date,
        rates.source as fx_rate_source,
        cast(round(detected.amount_at_stake * rates.rate_to_cny, 2) as decimal(18, 2)) as amount_in_cny
    from detected
    left join rates
        on
            detected.currency = rates.currency
            and cast(detected.business_date as date) >= rates.valid_from
            and (rates.valid_to is null or cast(detected.business_date as date) < rates.valid_to)

),

final as (

    select
        {{ dbt.hash(
            "converted.anomaly_class || '|' || coalesce(converted.channel_id, '') || '|' || converted.identity"
        ) }} as anomaly_id,
        converted.anomaly_class,
        case
            -- severity thresholds are in CNY (units for stock)
            when
                not coalesce(converted.is_money, true) and abs(converted.amount_at_stake) >= severities.high_from
                then 'high'
            when abs(converted.amount_in_cny) >= severities.high_from then 'high'
            -- money with no rate to CNY cannot be measured against the threshold: it is taken as at
            -- least the threshold (high), never the base severity, so a BRL 1,000,000 mismatch is not
            -- ranked "medium" because a rate is missing (docs/reconciliation.md, "Money in CNY")
            when
                coalesce(converted.is_money, true) and converted.amount_in_cny is null
                and converted.amount_at_stake <> 0 then 'high'
            else coalesce(severities.base_severity, 'medium')
        end as severity,
        cast(converted.amount_at_stake as decimal(18, 2)) as amount_at_stake,
        converted.currency,
        converted.fx_rate,
        converted.fx_rate_date,
        converted.fx_rate_source,
        case when coalesce(converted.is_money, true) then converted.amount_in_cny end as amount_at_stake_cny,
        coalesce(converted.is_money, true) and converted.fx_rate is null as fx_rate_missing,
        converted.channel_id,
        converted.order_id,
        converted.settlement_ids,
        converted.location_id,
        converted.sku,
        cast(converted.business_date as date) as business_date,
        converted.rows_involved,
        converted.detail
    from converted
    left join severities
        on converted.anomaly_class = severities.anomaly_class

)

select * from final
