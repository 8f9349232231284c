with

source as (

    select * from {{ source('raw', 'wms_movements') }}

),

renamed as (

    select
        movement_id,
        occurred_at,
        location_id,
        owner,
        sku,
        lot_no,
        production_date,
        expiry_date,
        bin,
        status,
        cast(qty_delta as bigint) as qty_delta,
        doc_type,
        doc_id
    from source

)

select * from renamed
