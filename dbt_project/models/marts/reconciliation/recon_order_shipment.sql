{#- OMS orders against WMS outbound movements (doc_type outbound, doc_id = order_id).
    Only locations in flow mode (with a movement ledger) report shipments; stores in
    quantity mode send count snapshots only, so their orders are listed with
    is_checkable = false and never flagged. -#}
with

orders as (

    select * from {{ ref('int_recon_order_values') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_exploded') }}

),

movements as (

    select * from {{ ref('stg_wms_movements') }}

),

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

flow_locations as (

    select distinct location_id from movements

),

outbound as (

    select
        doc_id as order_id,
        sku,
        -sum(qty_delta) as shipped_qty,
        min(occurred_at) as first_shipped_at,
        max(occurred_at) as last_shipped_at,
        max(location_id) as shipped_location_id,
        min(movement_id) as first_movement_id,
        count(*) as movement_count
    from movements
    where
        doc_type = 'outbound'
        and doc_id is not null
    group by doc_id, sku

),

ordered as (

    select
        order_id,
        sku,
        sum(qty) as ordered_qty
    from order_lines
    group by order_id, sku

),

per_sku as (

    select
        coalesce(ordered.order_id, outbound.order_id) as order_id,
        coalesce(ordered.ordered_qty, 0) as ordered_qty,
        coalesce(outbound.shipped_qty, 0) as shipped_qty,
        outbound.first_shipped_at,
        outbound.last_shipped_at,
        outbound.shipped_location_id,
        outbound.first_movement_id,
        coalesce(outbound.movement_count, 0) as movement_count
    from ordered
    full outer join outbound
        on
            ordered.order_id = outbound.order_id
            and ordered.sku = outbound.sku

),

per_order as (

    select
        order_id,
        sum(ordered_qty) as ordered_qty,
        sum(shipped_qty) as shipped_qty,
        sum(case when ordered_qty <> shipped_qty then 1 else 0 end) as skus_differing,
        min(first_shipped_at) as first_shipped_at,
        max(last_shipped_at) as last_shipped_at,
        max(shipped_location_id) as shipped_location_id,
        min(first_movement_id) as first_movement_id,
        sum(movement_count) as outbound_movements
    from per_sku
    group by order_id

),

joined as (

    select
        orders.order_id,
        orders.channel_id,
        orders.status,
        orders.location_id,
        flow_locations.location_id is not null as is_checkable,
        case when flow_locations.location_id is not null then 'flow' else 'quantity' end as location_mode,
        orders.paid_at,
        case when orders.status in ('cancelled', 'refunded') then orders.updated_at end as cancelled_at,
        orders.order_gross,
        orders.currency,
        coalesce(per_order.ordered_qty, 0) as ordered_qty,
        coalesce(per_order.shipped_qty, 0) as shipped_qty,
        coalesce(per_order.skus_differing, 0) as skus_differing,
        coalesce(per_order.outbound_movements, 0) as outbound_movements,
        per_order.first_shipped_at,
        per_order.last_shipped_at,
        per_order.shipped_location_id,
        per_order.first_movement_id,
        orders.order_source_row,
        as_of.as_of
    from orders
    cross join as_of
    left join per_order
        on orders.order_id = per_order.order_id
    left join flow_locations
        on coalesce(per_order.shipped_location_id, orders.location_id) = flow_locations.location_id
    where
        orders.location_id is not null
        or per_order.outbound_movements > 0

),

final as (

    select
        order_id,
        channel_id,
        status,
        location_id,
        location_mode,
        is_checkable,
        paid_at,
        cancelled_at,
        first_shipped_at,
        last_shipped_at,
        shipped_location_id,
        first_movement_id,
        outbound_movements,
        ordered_qty,
        shipped_qty,
        skus_differing,
        order_gross,
        currency,
        order_source_row,
        {{ dbt.dateadd('hour', var('recon_ship_sla_hours'), 'paid_at') }} as ship_due_at,
        (
            is_checkable
            and cancelled_at is not null
            and outbound_movements > 0
            and last_shipped_at >= cancelled_at
        ) as is_shipped_after_cancel,
        (
            is_checkable
            and status in ('paid', 'allocated')
            and outbound_movements = 0
            and paid_at is not null
            and {{ dbt.dateadd('hour', var('recon_ship_sla_hours'), 'paid_at') }} < as_of
        ) as is_unshipped_past_sla,
        (
            is_checkable
            and status in ('shipped', 'delivered', 'returned')
            and skus_differing > 0
        ) as is_quantity_mismatch
    from joined

)

select * from final
