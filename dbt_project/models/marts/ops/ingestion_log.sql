{#- One row per delivery (landed file) ever ingested, as of its latest ingestion:
    rows_read = rows_loaded + rows_replaced + rows_quarantined. Plus the landing files no
    source reads (status unrecognised or skipped, zero rows: raw/_manifest/_landing.parquet). -#}
with

source as (

    select * from {{ source('ingest', 'ingestion_log') }}

),

final as (

    select
        source,
        file,
        delivery_id,
        seq as delivery_seq,
        status,
        rows_read,
        rows_loaded,
        rows_replaced,
        rows_quarantined,
        retry as awaiting_recheck,
        message,
        first_ingested_at,
        ingested_at
    from source

)

select * from final
