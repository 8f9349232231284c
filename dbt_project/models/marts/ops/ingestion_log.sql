{#- One row per landing file ingested: rows_read = rows_loaded + rows_replaced + rows_quarantined. -#}
with

source as (

    select * from {{ source('ingest', 'ingestion_log') }}

),

final as (

    select
        source,
        file,
        status,
        rows_read,
        rows_loaded,
        rows_replaced,
        rows_quarantined,
        message,
        ingested_at
    from source

)

select * from final
