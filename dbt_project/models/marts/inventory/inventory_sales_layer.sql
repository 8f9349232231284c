{#- Sales layer: channel x SKU, the number published to each channel.
    allocatable       = sum over supplying locations of floor(r x sales_available)
    available_to_sell = max(0, allocatable + P + V - unpaid_held - pending_allocation - R)
    Every channel gets a row for every SKU in the product master, 0 where nothing is
    sellable. A bundle's allocatable and available_to_sell are what its components
    make by the bundle rule (macros/bundles.sql): min over its components of
    floor(component value / qty per bundle); available_to_sell adds the bundle's own
    presale and virtual, less its own reserve. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

channels as (

    select * from {{ ref('stg_channels') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

components as (

    {{ bundle_components() }}

),

supply as (

    select
        channel_id,
        sku,
        sum(allocatable) as allocatable,
        count(*) as supplying_locations
    from {{ ref('int_channel_location_supply') }}
    group by channel_id, sku

),

claims as (

    select * from {{ ref('int_channel_sku_claims') }}

),

grid as (

    select
        channels.channel_id,
        products.sku,
        products.sku in (select components.bundle_sku from components) as is_bundle
    from channels
    cross join products

),

stock_skus as (

    select
        grid.channel_id,
        grid.sku,
        coalesce(supply.allocatable, 0) as allocatable,
        coalesce(supply.supplying_locations, 0) as supplying_locations,
        coalesce(claims.presale, 0) as presale,
        coalesce(claims.virtual, 0) as virtual,
        coalesce(claims.unpaid_held, 0) as unpaid_held,
        coalesce(claims.pending_allocation, 0) as pending_allocation,
        coalesce(claims.reserved, 0) as reserved
    from grid
    left join supply
        on
            grid.channel_id = supply.channel_id
            and grid.sku = supply.sku
    left join claims
        on
            grid.channel_id = claims.channel_id
            and grid.sku = claims.sku
    where not grid.is_bundle

),

stock_sku_ats as (

    select
        *,
        greatest(allocatable + presale + virtual - unpaid_held - pending_allocation - reserved, 0) as available_to_sell
    from stock_skus

),

bundle_grid as (

    select
        channel_id,
        sku
    from grid
    where is_bundle

),

bundle_from_components as (

    {{ bundles_from_components(
        'bundle_grid', 'stock_sku_ats', ['channel_id'], ['allocatable', 'available_to_sell'],
        counts=['supplying_locations']
    ) }}

),

bundles as (

    select
        bundle_from_components.channel_id,
        bundle_from_components.sku,
        cast(bundle_from_components.allocatable as bigint) as allocatable,
        bundle_from_components.supplying_locations,
        coalesce(claims.presale, 0) as presale,
        coalesce(claims.virtual, 0) as virtual,
        0 as unpaid_held,
        0 as pending_allocation,
        coalesce(claims.reserved, 0) as reserved,
        cast(greatest(
            bundle_from_components.available_to_sell
            + coalesce(claims.presale, 0) + coalesce(claims.virtual, 0) - coalesce(claims.reserved, 0),
            0
        ) as bigint) as available_to_sell
    from bundle_from_components
    left join claims
        on
            bundle_from_components.channel_id = claims.channel_id
            and bundle_from_components.sku = claims.sku

),

unioned as (

    select
        *,
        false as is_bundle
    from stock_sku_ats
    union all
    select
        *,
        true as is_bundle
    from bundles

),

final as (

    select
        unioned.channel_id,
        channels.platform,
        channels.kind as channel_kind,
        unioned.sku,
        unioned.is_bundle,
        cast(unioned.supplying_locations as bigint) as supplying_locations,
        cast(unioned.allocatable as bigint) as allocatable,
        cast(unioned.presale as bigint) as presale,
        cast(unioned.virtual as bigint) as virtual,
        cast(unioned.unpaid_held as bigint) as unpaid_held,
        cast(unioned.pending_allocation as bigint) as pending_allocation,
        cast(unioned.reserved as bigint) as reserved,
        cast(unioned.available_to_sell as bigint) as available_to_sell,
        coalesce(channels.low_stock_threshold, 0) as low_stock_threshold,
        unioned.available_to_sell <= coalesce(channels.low_stock_threshold, 0) as is_low_stock,
        as_of.as_of
    from unioned
    inner join channels
        on unioned.channel_id = channels.channel_id
    cross join as_of

)

select * from final
