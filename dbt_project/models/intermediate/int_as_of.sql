{#- The moment every layer is computed for: var('as_of') when set, else the latest
    event in the data (so a replay of old files gives the stock as of then). -#}
with

orders as (

    select max(updated_at) as latest_at from {{ ref('stg_orders') }}

),

movements as (

    select max(occurred_at) as latest_at from {{ ref('stg_wms_movements') }}

),

snapshots as (

    select max(as_of) as latest_at from {{ ref('stg_wms_snapshots') }}

),

final as (

    select
        {%- if var('as_of') %}
        cast('{{ var("as_of") }}' as timestamp) as as_of
        {%- else %}
        coalesce(
            greatest(orders.latest_at, movements.latest_at, snapshots.latest_at),
            cast(current_timestamp as timestamp)
        ) as as_of
        {%- endif %}
    from orders
    cross join movements
    cross join snapshots

)

select * from final
