with

current_versions as (

    select * from {{ ref('base_settlements') }}

),

renamed as (

    select
        settlement_id,
        channel_id,
        order_id,
        settled_at,
        type,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        cast(commission as decimal(18, 2)) as commission,
        cast(payment_fee as decimal(18, 2)) as payment_fee,
        cast(shipping_fee as decimal(18, 2)) as shipping_fee,
        cast(subsidy as decimal(18, 2)) as subsidy,
        cast(net_amount as decimal(18, 2)) as net_amount,
        currency,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
