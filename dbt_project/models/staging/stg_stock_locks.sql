with

source as (

    select * from {{ source('raw', 'stock_locks') }}

),

renamed as (

    select
        lock_id,
        location_id,
        sku,
        cast(qty as bigint) as qty,
        reason,
        starts_at,
        ends_at
    from source

)

select * from renamed
