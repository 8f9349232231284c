{#- Every settlement line (payout, refund, adjustment) checked on its own: is its order
    known, is it a repeat of a sale already paid in full, are its fees at the contracted
    rates, is a refund backed by a return. Amounts stay in the line's currency (the
    line's, else its order's, else the channel's). -#}
with

settlements as (

    select * from {{ ref('stg_settlements') }}

),

orders as (

    select * from {{ ref('int_recon_order_values') }}

),

fees as (

    select * from {{ ref('channel_fee_schedule') }}

),

returns as (

    select distinct doc_id as order_id
    from {{ ref('stg_wms_movements') }}
    where
        doc_type = 'return'
        and doc_id is not null

),

joined as (

    select
        settlements.settlement_id,
        settlements.channel_id,
        settlements.order_id,
        settlements.settled_at,
        settlements.type,
        coalesce(settlements.gross_amount, 0) as gross_amount,
        coalesce(settlements.commission, 0) as commission,
        coalesce(settlements.payment_fee, 0) as payment_fee,
        coalesce(settlements.shipping_fee, 0) as shipping_fee,
        coalesce(settlements.subsidy, 0) as subsidy,
        settlements.net_amount,
        -- the line's own currency, else its order's, else the channel's (never assumed CNY)
        coalesce(settlements.currency, orders.currency, fees.currency) as currency,
        settlements.source_file || ':' || cast(settlements.source_row as {{ dbt.type_string() }}) as source_row_ref,
        orders.order_id is not null as is_order_known,
        orders.status as order_status,
        orders.order_gross,
        fees.channel_id is not null as has_fee_schedule,
        fees.commission_rate,
        fees.payment_fee_rate,
        fees.shipping_fee_per_order,
        coalesce(fees.amount_tolerance, {{ var('recon_default_amount_tolerance') }}) as amount_tolerance,
        coalesce(fees.rate_tolerance, 0) as rate_tolerance,
        returns.order_id is not null as has_return_movement
    from settlements
    left join orders
        on settlements.order_id = orders.order_id
    left join fees
        on settlements.channel_id = fees.channel_id
    left join returns
        on settlements.order_id = returns.order_id

),

checked as (

    select
        *,
        -- the least an order's sale payouts must add up to (its net before subsidies)
        case
            when has_fee_schedule
                then
                    order_gross
                    - round(order_gross * commission_rate, 2)
                    - round(order_gross * payment_fee_rate, 2)
                    - shipping_fee_per_order
            else order_gross
        end as order_net_before_subsidy,
        case when has_fee_schedule then cast(round(gross_amount * commission_rate, 2) as decimal(18, 2)) end
            as contracted_commission,
        case when has_fee_schedule then cast(round(gross_amount * payment_fee_rate, 2) as decimal(18, 2)) end
            as contracted_payment_fee,
        greatest(amount_tolerance, abs(gross_amount) * rate_tolerance) as fee_limit,
        net_amount - (gross_amount - commission - payment_fee - shipping_fee + subsidy) as row_residual,
        coalesce(sum(case when type = 'sale' then net_amount end) over (
            partition by channel_id, order_id
            order by settled_at, settlement_id
            rows between unbounded preceding and 1 preceding
        ), 0) as sale_net_paid_before,
        count(*) over (
            partition by
                channel_id, order_id, type, gross_amount, commission, payment_fee, shipping_fee, subsidy, net_amount
            order by settled_at, settlement_id
            rows between unbounded preceding and 1 preceding
        ) as identical_lines_before
    from joined

),

final as (

    select
        settlement_id,
        channel_id,
        order_id,
        settled_at,
        cast(settled_at as date) as settled_date,
        type,
        gross_amount,
        commission,
        payment_fee,
        shipping_fee,
        subsidy,
        net_amount,
        currency,
        source_row_ref,
        is_order_known,
        order_status,
        has_fee_schedule,
        amount_tolerance,
        contracted_commission,
        contracted_payment_fee,
        commission - contracted_commission as commission_deviation,
        payment_fee - contracted_payment_fee as payment_fee_deviation,
        row_residual,
        (order_id is null or not is_order_known) as is_unknown_order,
        (
            type = 'sale'
            and order_id is not null
            and identical_lines_before > 0
            and (not is_order_known or sale_net_paid_before >= order_net_before_subsidy - amount_tolerance)
        ) as is_duplicate,
        (
            has_fee_schedule
            and gross_amount <> 0
            and (
                abs(commission - contracted_commission) > fee_limit
                or abs(payment_fee - contracted_payment_fee) > fee_limit
            )
        ) as is_fee_out_of_range,
        case
            when has_fee_schedule and gross_amount <> 0
                then
                    (case
                        when abs(commission - contracted_commission) > fee_limit
                            then commission - contracted_commission
                        else 0
                    end)
                    + (case
                        when abs(payment_fee - contracted_payment_fee) > fee_limit
                            then payment_fee - contracted_payment_fee
                        else 0
                    end)
            else 0
        end as fee_excess,
        (
            type = 'refund'
            and is_order_known
            and order_status not in ('returned', 'refunded')
            and not has_return_movement
        ) as is_refund_without_return
    from checked

)

select * from final
