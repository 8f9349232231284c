{#- One row per OMS order (its current version) with what it is worth: the sum of its
    lines (qty x unit price - discount + shipping charge), in its currency: the order's
    own (orders.currency, e.g. set by a mapping), else the channel's fee schedule's,
    else unknown (null: never converted to CNY). -#}
with

orders as (

    select * from {{ ref('stg_orders') }}

),

lines as (

    select * from {{ ref('stg_order_lines') }}

),

fees as (

    select * from {{ ref('channel_fee_schedule') }}

),

line_values as (

    select
        order_id,
        count(*) as line_count,
        sum(qty) as ordered_units,
        sum(
            cast(qty * coalesce(unit_price, 0) as decimal(18, 2))
            - coalesce(discount, 0)
            + coalesce(shipping_charge, 0)
        ) as order_gross
    from lines
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.channel_id,
        orders.status,
        orders.location_id,
        orders.created_at,
        orders.paid_at,
        orders.updated_at,
        case
            when orders.status in ('delivered', 'returned') then cast(orders.updated_at as date)
        end as delivered_by_date,
        coalesce(line_values.line_count, 0) as line_count,
        coalesce(line_values.ordered_units, 0) as ordered_units,
        cast(coalesce(line_values.order_gross, 0) as decimal(18, 2)) as order_gross,
        coalesce(orders.currency, fees.currency) as currency,
        orders.source_file || ':' || cast(orders.source_row as {{ dbt.type_string() }}) as order_source_row
    from orders
    left join line_values
        on orders.order_id = line_values.order_id
    left join fees
        on orders.channel_id = fees.channel_id

)

select * from final
