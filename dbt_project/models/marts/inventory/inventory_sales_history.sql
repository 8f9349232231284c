{{
    config(
        materialized='incremental',
        unique_key=['snapshot_date', 'channel_id', 'sku'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false
    )
}}
{#- Daily history of the sales layer: each build writes the layer as of its as_of
    date, replacing that date's rows. -#}
with

layer as (

    select * from {{ ref('inventory_sales_layer') }}

),

final as (

    select
        cast(as_of as date) as snapshot_date,
        channel_id,
        sku,
        is_bundle,
        allocatable,
        presale,
        virtual,
        unpaid_held,
        pending_allocation,
        reserved,
        available_to_sell,
        is_low_stock,
        as_of
    from layer

)

select * from final
