with

source as (

    select * from {{ source('raw', 'transfers') }}

),

current_versions as (

    {{ current_version('source', ['transfer_id'], version='updated_at') }}

),

renamed as (

    select
        transfer_id,
        from_location,
        to_location,
        sku,
        cast(qty as bigint) as qty,
        status,
        updated_at,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
