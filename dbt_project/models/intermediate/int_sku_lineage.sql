{#- Each product's lineage: a formula or packaging upgrade replaces a SKU with its successor
    (products.successor_sku), which may itself be replaced later. Demand follows the lineage:
    series_sku is the last SKU of the chain (the one on sale now), so a predecessor's sales are
    folded into its successor's history (marts.demand_daily). Chains are followed at most 10
    steps, and a SKU that is its own successor ends the chain (a cycle stops there). -#}
with recursive

products as (

    select * from {{ ref('stg_products') }}

),

successors as (

    select
        sku,
        successor_sku
    from products
    where successor_sku is not null and successor_sku <> sku

),

chain as (

    select
        sku,
        sku as series_sku,
        0 as steps
    from products
    union all
    select
        chain.sku,
        successors.successor_sku as series_sku,
        chain.steps + 1 as steps
    from chain
    inner join successors
        on chain.series_sku = successors.sku
    where chain.steps < 10

),

ends as (

    select
        sku,
        arg_max(series_sku, steps) as series_sku,
        max(steps) as steps
    from chain
    group by sku

),

predecessors as (

    select
        successor_sku as sku,
        min(sku) as predecessor_sku
    from successors
    group by successor_sku

),

final as (

    select
        ends.sku,
        ends.series_sku,
        ends.steps as lineage_steps,
        predecessors.predecessor_sku
    from ends
    left join predecessors
        on ends.sku = predecessors.sku

)

select * from final
