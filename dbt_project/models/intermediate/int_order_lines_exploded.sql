{#- Order lines with their order's current state, bundle lines exploded into their
    components (macros/bundles.sql, with components of qty 0 too): an order for a bundle
    occupies the components, never the bundle. -#}
with

orders as (

    select * from {{ ref('stg_orders') }}

),

lines as (

    select * from {{ ref('stg_order_lines') }}

),

components as (

    {{ bundle_components(with_zero_qty=true) }}

),

final as (

    select
        lines.order_id,
        lines.line_no,
        orders.channel_id,
        orders.status,
        orders.location_id,
        orders.ship_method,
        orders.ship_region,
        orders.created_at,
        orders.paid_at,
        lines.sku as ordered_sku,
        components.bundle_sku is not null as from_bundle,
        coalesce(components.component_sku, lines.sku) as sku,
        lines.qty * coalesce(components.qty, 1) as qty
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join components
        on lines.sku = components.bundle_sku

)

select * from final
