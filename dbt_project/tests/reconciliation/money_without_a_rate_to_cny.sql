{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'reconciliation_anomalies'}}}) }}
{#- Warns (never blocks) about money that could not be valued in CNY: open anomalies whose
    currency is unknown or has no rate in force on their business day (amount_at_stake_cny
    is null, never a 1:1 copy), and settlement lines whose currency nothing says (they are
    not posted to the ERP). One row per currency, with the days a rate is needed for.
    Add the rates to seeds/fx_rates.csv (docs/operations.md, "Money in another currency"). -#}
select
    'reconciliation_anomalies' as what,
    coalesce(currency, '(unknown)') as currency,
    count(*) as amounts,
    min(business_date) as first_day,
    max(business_date) as last_day
from {{ ref('reconciliation_anomalies') }}
where
    status = 'open'
    and fx_rate_missing
group by coalesce(currency, '(unknown)')
union all
select
    'settlement lines without a currency' as what,
    '(unknown)' as currency,
    count(*) as amounts,
    min(settled_date) as first_day,
    max(settled_date) as last_day
from {{ ref('int_recon_settlement_lines') }}
where currency is null
having count(*) > 0
