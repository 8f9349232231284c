with

current_versions as (

    select * from {{ ref('base_wms_movements') }}

),

renamed as (

    select
        movement_id,
        occurred_at,
        location_id,
        owner,
        sku,
        lot_no,
        production_date,
        expiry_date,
        bin,
        status,
        cast(qty_delta as bigint) as qty_delta,
        doc_type,
        doc_id,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
