{#- The dated rate table (seed fx_rates) as periods: each rate is in force from its
    valid_from day until the day before the next valid_from of the same currency
    (valid_to exclusive, null for the latest). An amount is converted at the rate in
    force on its business day (int_recon_anomalies). -#}
with

rates as (

    select * from {{ ref('fx_rates') }}

),

final as (

    select
        upper(trim(currency)) as currency,
        cast(valid_from as date) as valid_from,
        cast(lead(cast(valid_from as date)) over (
            partition by upper(trim(currency))
            order by cast(valid_from as date)
        ) as date) as valid_to,
        cast(rate_to_cny as double) as rate_to_cny,
        source
    from rates

)

select * from final
