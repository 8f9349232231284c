{#- Each order against its settlement lines: what the channel's fee schedule says it
    should pay (expected) and what was paid, in the order's currency. One row per OMS
    order that is delivered or returned or has settlement lines, plus one row per order id
    (or orphan line) the OMS does not know. -#}
with

orders as (

    select * from {{ ref('int_recon_order_values') }}

),

settlement_lines as (

    select * from {{ ref('int_recon_settlement_lines') }}

),

fees as (

    select * from {{ ref('channel_fee_schedule') }}

),

as_of as (

    select cast(as_of as date) as as_of_date from {{ ref('int_as_of') }}

),

paid as (

    select
        channel_id,
        coalesce(order_id, settlement_id) as order_key,
        max(currency) as paid_currency,
        count(*) as settlement_lines,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then 1 else 0 end) as sale_lines,
        sum(case when type = 'refund' then 1 else 0 end) as refund_lines,
        sum(case when is_duplicate then 1 else 0 end) as duplicate_lines,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then gross_amount else 0 end) as paid_gross,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then commission else 0 end)
            as paid_commission,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then payment_fee else 0 end)
            as paid_payment_fee,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then shipping_fee else 0 end)
            as paid_shipping_fee,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then subsidy else 0 end) as paid_subsidy,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then net_amount else 0 end) as paid_net,
        sum(case when type in ('sale', 'adjustment') and not is_duplicate then fee_excess else 0 end) as fee_excess,
        sum(case when type = 'refund' then gross_amount else 0 end) as refunded_gross,
        sum(case when type = 'refund' then net_amount else 0 end) as refunded_net,
        sum(case when type = 'refund' then row_residual else 0 end) as refund_residual,
        sum(case when is_duplicate then net_amount else 0 end) as duplicate_net,
        sum(case when is_fee_out_of_range then 1 else 0 end) as fee_out_of_range_lines,
        sum(case when is_refund_without_return then 1 else 0 end) as refund_without_return_lines,
        min(settled_at) as first_settled_at,
        max(settled_at) as last_settled_at,
        {{ dbt.listagg('settlement_id', "','", "order by settlement_id") }} as settlement_ids
    from settlement_lines
    group by channel_id, coalesce(order_id, settlement_id)

),

expected_orders as (

    select orders.*
    from orders
    where
        orders.status in ('delivered', 'returned')
        or exists (
            select 1 from paid
            where paid.order_key = orders.order_id
        )

),

compared as (

    select
        coalesce(expected_orders.channel_id, paid.channel_id) as channel_id,
        coalesce(expected_orders.order_id, paid.order_key) as order_id,
        expected_orders.order_id is not null as is_order_known,
        expected_orders.status as order_status,
        fees.channel_id is not null as has_fee_schedule,
        -- the order's currency (its own, else the channel's), else what the payouts say
        coalesce(expected_orders.currency, fees.currency, paid.paid_currency) as currency,
        coalesce(fees.amount_tolerance, {{ var('recon_default_amount_tolerance') }}) as amount_tolerance,
        expected_orders.delivered_by_date,
        case
            when expected_orders.delivered_by_date is not null
                then
                    cast(
                        {{ dbt.dateadd(
                            'day',
                            "coalesce(fees.settlement_lag_days, " ~ var('recon_default_settlement_lag_days') ~ ")",
                            'expected_orders.delivered_by_date'
                        ) }}
                        as date
                    )
        end as due_date,
        expected_orders.order_gross as expected_gross,
        case
            when fees.channel_id is not null
                then cast(round(expected_orders.order_gross * fees.commission_rate, 2) as decimal(18, 2))
            else 0
        end
            as expected_commission,
        case
            when fees.channel_id is not null
                then cast(round(expected_orders.order_gross * fees.payment_fee_rate, 2) as decimal(18, 2))
            else 0
        end
            as expected_payment_fee,
        coalesce(fees.shipping_fee_per_order, 0) as expected_shipping_fee,
        -- subsidies depend on campaigns the OMS does not know: take what was paid, up to the contracted rate
        case
            when fees.channel_id is not null
                then
                    least(
                        greatest(coalesce(paid.paid_subsidy, 0), 0),
                        cast(round(expected_orders.order_gross * fees.subsidy_rate, 2) as decimal(18, 2))
                        + fees.amount_tolerance
                    )
            else 0
        end as expected_subsidy,
        coalesce(paid.settlement_lines, 0) as settlement_lines,
        coalesce(paid.sale_lines, 0) as sale_lines,
        coalesce(paid.refund_lines, 0) as refund_lines,
        coalesce(paid.duplicate_lines, 0) as duplicate_lines,
        coalesce(paid.paid_gross, 0) as paid_gross,
        coalesce(paid.paid_commission, 0) as paid_commission,
        coalesce(paid.paid_payment_fee, 0) as paid_payment_fee,
        coalesce(paid.paid_shipping_fee, 0) as paid_shipping_fee,
        coalesce(paid.paid_subsidy, 0) as paid_subsidy,
        coalesce(paid.paid_net, 0) as paid_net,
        coalesce(paid.fee_excess, 0) as fee_excess,
        coalesce(paid.refunded_gross, 0) as refunded_gross,
        coalesce(paid.refunded_net, 0) as refunded_net,
        coalesce(paid.refund_residual, 0) as refund_residual,
        coalesce(paid.duplicate_net, 0) as duplicate_net,
        coalesce(paid.fee_out_of_range_lines, 0) as fee_out_of_range_lines,
        coalesce(paid.refund_without_return_lines, 0) as refund_without_return_lines,
        paid.first_settled_at,
        paid.last_settled_at,
        paid.settlement_ids,
        expected_orders.order_source_row
    from expected_orders
    full outer join paid
        on expected_orders.order_id = paid.order_key
    left join fees
        on coalesce(expected_orders.channel_id, paid.channel_id) = fees.channel_id

),

valued as (

    select
        compared.*,
        compared.expected_gross
        - compared.expected_commission
        - compared.expected_payment_fee
        - compared.expected_shipping_fee
        + compared.expected_subsidy
            as expected_net,
        case
            when
                compared.has_fee_schedule and compared.sale_lines > 0
                and abs(compared.paid_shipping_fee - compared.expected_shipping_fee) > compared.amount_tolerance
                then compared.paid_shipping_fee - compared.expected_shipping_fee
            else 0
        end as shipping_fee_excess,
        -- one tolerance for the contract's rounding, one more per settlement line (fees computed
        -- per line); without a fee schedule nothing is computed, so the tolerance is taken once
        case
            when compared.has_fee_schedule then compared.amount_tolerance * (1 + compared.settlement_lines)
            else compared.amount_tolerance
        end as order_tolerance,
        case
            when -compared.refunded_gross > compared.paid_gross then -compared.refunded_gross - compared.paid_gross
            else 0
        end as over_refund
    from compared

),

differences as (

    select
        valued.*,
        case
            when valued.sale_lines > 0
                then valued.paid_net - valued.expected_net + valued.fee_excess + valued.shipping_fee_excess
            else 0
        end as sale_difference
    from valued

),

final as (

    select
        channel_id,
        order_id,
        is_order_known,
        order_status,
        currency,
        has_fee_schedule,
        due_date,
        expected_gross,
        expected_commission,
        expected_payment_fee,
        expected_shipping_fee,
        expected_subsidy,
        expected_net,
        settlement_lines,
        sale_lines,
        refund_lines,
        duplicate_lines,
        paid_gross,
        paid_commission,
        paid_payment_fee,
        paid_shipping_fee,
        paid_subsidy,
        paid_net,
        refunded_gross,
        refunded_net,
        duplicate_net,
        fee_excess + shipping_fee_excess as fee_excess,
        shipping_fee_excess,
        sale_difference,
        refund_residual,
        over_refund,
        order_tolerance,
        is_order_known and (
            abs(sale_difference) > order_tolerance
            or abs(refund_residual) > order_tolerance
            or over_refund > order_tolerance
        ) as is_amount_mismatch,
        abs(sale_difference) + abs(refund_residual) + over_refund as mismatch_amount,
        (fee_out_of_range_lines > 0 or shipping_fee_excess <> 0) as is_fee_out_of_range,
        duplicate_lines > 0 as is_duplicate,
        refund_without_return_lines > 0 as is_refund_without_return,
        (
            is_order_known
            and order_status in ('delivered', 'returned')
            and sale_lines = 0
            and {{ dbt.dateadd('day', var('recon_settlement_grace_days'), 'due_date') }}
            < (select as_of.as_of_date from as_of)
        ) as is_missing,
        first_settled_at,
        last_settled_at,
        settlement_ids,
        order_source_row
    from differences

)

select
    *,
    case
        when not is_order_known then 'unknown_order'
        when is_missing then 'missing'
        when is_amount_mismatch or is_fee_out_of_range or is_duplicate or is_refund_without_return then 'discrepancy'
        when sale_lines = 0 then 'awaiting_settlement'
        else 'matched'
    end as match_status
from final
