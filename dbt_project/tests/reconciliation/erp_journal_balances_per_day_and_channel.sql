{#- Every day x channel x currency of the ERP journal balances: debits equal credits. -#}
select
    journal_date,
    channel_id,
    currency,
    sum(debit) as debits,
    sum(credit) as credits
from {{ ref('erp_journal') }}
group by journal_date, channel_id, currency
having sum(debit) <> sum(credit)
