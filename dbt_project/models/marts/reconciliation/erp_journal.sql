{#- Journal lines for the ERP, per settlement day, channel and currency: only settlement
    lines of orders that reconcile (match_status matched) and have no open anomaly.
    A positive signed amount is a debit. Per line:
      debit  receivable_from_platform  net
      credit sales_revenue             gross   (refund lines: debit sales_refunds)
      debit  commission_expense        commission
      debit  payment_fee_expense       payment fee
      debit  shipping_fee_expense      shipping fee
      credit subsidy_income            subsidy
      rounding_difference              what is left (within the channel's tolerance)
    so every day x channel balances to zero. -#}
with

settlement_lines as (

    select * from {{ ref('int_recon_settlement_lines') }}

),

order_settlement as (

    select * from {{ ref('recon_order_settlement') }}

),

anomalies as (

    select * from {{ ref('reconciliation_anomalies') }}

),

verified_lines as (

    select settlement_lines.*
    from settlement_lines
    inner join order_settlement
        on
            settlement_lines.order_id = order_settlement.order_id
            and settlement_lines.channel_id = order_settlement.channel_id
    where order_settlement.match_status = 'matched'
    -- money posts in its own currency, never converted; a line whose currency nothing says is not posted
    and settlement_lines.currency is not null
    and not exists (
        select 1
        from anomalies
        where
            anomalies.status = 'open'
            and anomalies.order_id = settlement_lines.order_id
    )

),

postings as (

    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'receivable_from_platform' as account,
        net_amount as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        case when type = 'refund' then 'sales_refunds' else 'sales_revenue' end as account,
        -gross_amount as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'commission_expense' as account,
        commission as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'payment_fee_expense' as account,
        payment_fee as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'shipping_fee_expense' as account,
        shipping_fee as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'subsidy_income' as account,
        -subsidy as signed_amount
    from verified_lines
    union all
    select
        settled_date,
        channel_id,
        currency,
        settlement_id,
        'rounding_difference' as account,
        -row_residual as signed_amount
    from verified_lines

),

summed as (

    select
        settled_date as journal_date,
        channel_id,
        currency,
        account,
        cast(sum(signed_amount) as decimal(18, 2)) as signed_amount,
        count(distinct settlement_id) as settlement_lines
    from postings
    group by settled_date, channel_id, currency, account

),

final as (

    select
        {{ dbt.hash(
            "cast(journal_date as " ~ dbt.type_string() ~ ") || '|' || channel_id || '|' || currency || '|' || account"
        ) }} as journal_line_id,
        journal_date,
        channel_id,
        currency,
        account,
        case when signed_amount > 0 then signed_amount else cast(0 as decimal(18, 2)) end as debit,
        case when signed_amount < 0 then -signed_amount else cast(0 as decimal(18, 2)) end as credit,
        signed_amount,
        settlement_lines
    from summed
    where signed_amount <> 0

)

select * from final
