{#- Scheduling layer: location x SKU. Stock SKUs come from int_location_sku_stock;
    a bundle has a row at every location holding one of its components, derived from
    its components at that location by the bundle rule (macros/bundles.sql): min over
    components of floor(component quantity / qty per bundle), for on_hand,
    physical_available and sales_available. Claims are held by the components, so
    a bundle row's claim columns are 0. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

locations as (

    select * from {{ ref('stg_locations') }}

),

stock as (

    select * from {{ ref('int_location_sku_stock') }}

),

components as (

    {{ bundle_components() }}

),

bundle_locations as (

    select distinct
        stock.location_id,
        components.bundle_sku as sku
    from components
    inner join stock
        on components.component_sku = stock.sku

),

bundle_rows as (

    {{ bundles_from_components(
        'bundle_locations', 'stock', ['location_id'], ['on_hand', 'physical_available', 'sales_available']
    ) }}

),

unioned as (

    select
        location_id,
        sku,
        false as is_bundle,
        on_hand,
        unavailable,
        physical_available,
        order_occupied,
        transfer_occupied,
        locked,
        transfer_in_air,
        inbound_in_transit,
        sales_available,
        oversold
    from stock
    union all
    select
        location_id,
        sku,
        true as is_bundle,
        cast(on_hand as bigint) as on_hand,
        cast(on_hand - physical_available as bigint) as unavailable,
        cast(physical_available as bigint) as physical_available,
        0 as order_occupied,
        0 as transfer_occupied,
        0 as locked,
        0 as transfer_in_air,
        0 as inbound_in_transit,
        cast(sales_available as bigint) as sales_available,
        0 as oversold
    from bundle_rows

),

final as (

    select
        unioned.location_id,
        locations.type as location_type,
        locations.physical_site,
        unioned.sku,
        unioned.is_bundle,
        cast(unioned.on_hand as bigint) as on_hand,
        cast(unioned.unavailable as bigint) as unavailable,
        cast(unioned.physical_available as bigint) as physical_available,
        cast(unioned.order_occupied as bigint) as order_occupied,
        cast(unioned.transfer_occupied as bigint) as transfer_occupied,
        cast(unioned.locked as bigint) as locked,
        cast(unioned.transfer_in_air as bigint) as transfer_in_air,
        cast(unioned.inbound_in_transit as bigint) as inbound_in_transit,
        cast(unioned.sales_available as bigint) as sales_available,
        cast(unioned.oversold as bigint) as oversold,
        as_of.as_of
    from unioned
    cross join as_of
    left join locations
        on unioned.location_id = locations.location_id

)

select * from final
