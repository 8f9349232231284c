"""Pure helpers of business-finance reconciliation (the rules themselves live in dbt SQL)."""
