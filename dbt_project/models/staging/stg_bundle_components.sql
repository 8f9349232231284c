with

source as (

    select * from {{ source('raw', 'bundle_components') }}

),

renamed as (

    select
        bundle_sku,
        component_sku,
        cast(qty as bigint) as qty
    from source

)

select * from renamed
