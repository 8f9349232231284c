{#- An order reconciled as matched (so its lines reach the ERP journal) never carries an
    open settlement anomaly. -#}
select anomalies.order_id
from {{ ref('reconciliation_anomalies') }} as anomalies
inner join {{ ref('recon_order_settlement') }} as orders
    on anomalies.order_id = orders.order_id
where
    anomalies.status = 'open'
    and orders.match_status = 'matched'
    and anomalies.anomaly_class in (
        'missing_settlement', 'unknown_order_settlement', 'amount_mismatch', 'fee_rate_out_of_range',
        'refund_without_return', 'duplicate_settlement'
    )
