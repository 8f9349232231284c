with

source as (

    select * from {{ source('raw', 'transfers') }}

),

renamed as (

    select
        transfer_id,
        from_location,
        to_location,
        sku,
        cast(qty as bigint) as qty,
        status,
        updated_at
    from source

)

select * from renamed
