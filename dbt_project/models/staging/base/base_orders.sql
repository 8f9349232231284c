{{
    config(
        materialized='incremental',
        unique_key='_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}
{#- The current version of each orders row, kept incrementally (macro incremental_current_version).
    append_new_columns: a column added to the contract (currency) joins a table built before it,
    null on the rows kept, so an existing warehouse upgrades without --full-refresh. -#}
{{ incremental_current_version('orders', ['order_id'], version='updated_at') }}
