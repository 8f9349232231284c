with

source as (

    select * from {{ source('raw', 'locations') }}

),

renamed as (

    select
        location_id,
        type,
        physical_site,
        owner,
        region,
        lat,
        lon,
        ship_methods
    from source

)

select * from renamed
