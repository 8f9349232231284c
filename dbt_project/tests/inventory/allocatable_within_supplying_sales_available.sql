{#- Invariant: a channel's allocatable for a stock SKU never exceeds the sum of the
    sales_available of the locations that supply it (rules with a valid ratio), and a
    bundle's never exceeds what its components' allocatable can make (the bundle rule,
    macros/bundles.sql).
    Returns the offending channel x SKU rows. -#}
with

rules as (

    select distinct
        channel_id,
        location_id
    from {{ ref('stg_supply_rules') }}
    where max_ratio between 0 and 1

),

scheduling as (

    select * from {{ ref('inventory_scheduling_layer') }}
    where not is_bundle

),

supplying as (

    select
        rules.channel_id,
        scheduling.sku,
        sum(greatest(scheduling.sales_available, 0)) as supplying_sales_available
    from rules
    inner join scheduling
        on rules.location_id = scheduling.location_id
    group by rules.channel_id, scheduling.sku

),

sales as (

    select * from {{ ref('inventory_sales_layer') }}

),

sales_bundles as (

    select
        channel_id,
        sku
    from sales
    where is_bundle

),

bundle_bound as (

    {{ bundles_from_components('sales_bundles', 'sales', ['channel_id'], ['allocatable']) }}

),

violations as (

    select
        sales.channel_id,
        sales.sku,
        sales.allocatable,
        coalesce(supplying.supplying_sales_available, 0) as bound
    from sales
    left join supplying
        on
            sales.channel_id = supplying.channel_id
            and sales.sku = supplying.sku
    where
        not sales.is_bundle
        and sales.allocatable > coalesce(supplying.supplying_sales_available, 0)

    union all

    select
        sales.channel_id,
        sales.sku,
        sales.allocatable,
        coalesce(bundle_bound.allocatable, 0) as bound
    from sales
    left join bundle_bound
        on
            sales.channel_id = bundle_bound.channel_id
            and sales.sku = bundle_bound.sku
    where
        sales.is_bundle
        and sales.allocatable > coalesce(bundle_bound.allocatable, 0)

)

select * from violations
