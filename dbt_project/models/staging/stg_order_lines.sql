with

current_versions as (

    select * from {{ ref('base_order_lines') }}

),

renamed as (

    select
        order_id,
        cast(line_no as bigint) as line_no,
        sku,
        cast(qty as bigint) as qty,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(discount as decimal(18, 2)) as discount,
        cast(shipping_charge as decimal(18, 2)) as shipping_charge,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
