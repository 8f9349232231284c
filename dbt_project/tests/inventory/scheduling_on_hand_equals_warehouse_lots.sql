{#- Invariant: for each location and stock SKU, on_hand in the scheduling layer is the
    sum of the warehouse layer's lots (every status). Returns the rows that differ. -#}
with

lots as (

    select
        location_id,
        sku,
        sum(qty) as lot_qty
    from {{ ref('inventory_warehouse_layer') }}
    group by location_id, sku

),

scheduling as (

    select
        location_id,
        sku,
        on_hand
    from {{ ref('inventory_scheduling_layer') }}
    where not is_bundle

),

compared as (

    select
        coalesce(scheduling.location_id, lots.location_id) as location_id,
        coalesce(scheduling.sku, lots.sku) as sku,
        coalesce(scheduling.on_hand, 0) as on_hand,
        coalesce(lots.lot_qty, 0) as lot_qty
    from scheduling
    full outer join lots
        on
            scheduling.location_id = lots.location_id
            and scheduling.sku = lots.sku

)

select * from compared
where on_hand <> lot_qty
