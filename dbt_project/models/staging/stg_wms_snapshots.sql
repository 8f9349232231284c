with

current_versions as (

    select * from {{ ref('base_wms_snapshots') }}

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
