with

source as (

    select * from {{ source('raw', 'inbound_asn') }}

),

renamed as (

    select
        asn_id,
        location_id,
        sku,
        cast(qty as bigint) as qty,
        expected_at,
        status
    from source

)

select * from renamed
