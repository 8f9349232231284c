{#- The scheduling layer for stock SKUs: lots and bins summed away per location and SKU.
    sales_available = I - U - O - T - L, floored at 0; the part that would go below 0
    (more claimed than is there) is kept as `oversold`. -#}
with

lots as (

    select * from {{ ref('int_stock_lots') }}

),

claims as (

    select * from {{ ref('int_location_sku_claims') }}

),

stock as (

    select
        location_id,
        sku,
        sum(qty) as on_hand,
        sum(case when status <> 'available' then qty else 0 end) as unavailable
    from lots
    group by location_id, sku

),

grid as (

    select
        location_id,
        sku
    from stock
    union
    select
        location_id,
        sku
    from claims

),

joined as (

    select
        grid.location_id,
        grid.sku,
        coalesce(stock.on_hand, 0) as on_hand,
        coalesce(stock.unavailable, 0) as unavailable,
        coalesce(claims.order_occupied, 0) as order_occupied,
        coalesce(claims.transfer_occupied, 0) as transfer_occupied,
        coalesce(claims.locked, 0) as locked,
        coalesce(claims.transfer_in_air, 0) as transfer_in_air,
        coalesce(claims.inbound_in_transit, 0) as inbound_in_transit
    from grid
    left join stock
        on
            grid.location_id = stock.location_id
            and grid.sku = stock.sku
    left join claims
        on
            grid.location_id = claims.location_id
            and grid.sku = claims.sku

),

final as (

    select
        location_id,
        sku,
        on_hand,
        unavailable,
        on_hand - unavailable as physical_available,
        order_occupied,
        transfer_occupied,
        locked,
        transfer_in_air,
        inbound_in_transit,
        greatest(on_hand - unavailable - order_occupied - transfer_occupied - locked, 0) as sales_available,
        greatest(order_occupied + transfer_occupied + locked - (on_hand - unavailable), 0) as oversold
    from joined

)

select * from final
