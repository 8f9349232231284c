with

source as (

    select * from {{ source('raw', 'wms_snapshots') }}

),

renamed as (

    select
        as_of,
        location_id,
        owner,
        sku,
        lot_no,
        production_date,
        expiry_date,
        bin,
        status,
        cast(qty as bigint) as qty
    from source

)

select * from renamed
