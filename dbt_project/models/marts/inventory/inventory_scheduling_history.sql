{{
    config(
        materialized='incremental',
        unique_key=['snapshot_date', 'location_id', 'sku'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false
    )
}}
{#- Daily history of the scheduling layer: each build writes the layer as of its
    as_of date, replacing that date's rows, so re-running a day never double counts. -#}
with

layer as (

    select * from {{ ref('inventory_scheduling_layer') }}

),

final as (

    select
        cast(as_of as date) as snapshot_date,
        location_id,
        sku,
        is_bundle,
        on_hand,
        unavailable,
        physical_available,
        order_occupied,
        transfer_occupied,
        locked,
        transfer_in_air,
        inbound_in_transit,
        sales_available,
        as_of
    from layer

)

select * from final
