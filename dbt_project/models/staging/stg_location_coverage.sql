with

source as (

    select * from {{ source('raw', 'location_coverage') }}

),

renamed as (

    select
        location_id,
        region
    from source

)

select * from renamed
