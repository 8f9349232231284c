{#- Availability by delivery region: a location only supplies the regions it covers
    (location_coverage; a location with no coverage rows covers its own region), so a
    SKU can be in stock for one region and out for another. Channel-level holds and
    controls apply in full to every region: a conservative view. -#}
with

locations as (

    select * from {{ ref('stg_locations') }}

),

coverage as (

    select
        location_id,
        region
    from {{ ref('stg_location_coverage') }}
    union
    select
        location_id,
        region
    from locations
    where
        region is not null
        and location_id not in (select coverage.location_id from {{ ref('stg_location_coverage') }} as coverage)

),

supply as (

    select * from {{ ref('int_channel_location_supply') }}

),

sales as (

    select * from {{ ref('inventory_sales_layer') }}
    where not is_bundle

),

by_region as (

    select
        supply.channel_id,
        supply.sku,
        coverage.region,
        sum(supply.allocatable) as allocatable,
        count(*) as supplying_locations
    from supply
    inner join coverage
        on supply.location_id = coverage.location_id
    group by supply.channel_id, supply.sku, coverage.region

),

final as (

    select
        by_region.channel_id,
        by_region.sku,
        by_region.region,
        cast(by_region.supplying_locations as bigint) as supplying_locations,
        cast(by_region.allocatable as bigint) as allocatable,
        cast(greatest(
            by_region.allocatable + sales.presale + sales.virtual
            - sales.unpaid_held - sales.pending_allocation - sales.reserved,
            0
        ) as bigint) as available_to_sell,
        sales.as_of
    from by_region
    inner join sales
        on
            by_region.channel_id = sales.channel_id
            and by_region.sku = sales.sku

)

select * from final
