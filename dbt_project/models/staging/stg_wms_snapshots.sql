with

source as (

    select * from {{ source('raw', 'wms_snapshots') }}

),

current_versions as (

    {{ current_version('source', ['as_of', 'location_id', 'sku', 'lot_no', 'bin', 'status']) }}

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
        cast(qty as bigint) as qty,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
