import dagster as dg

from pipelines.defs.dbt.assets import omnistock_dbt_assets
from pipelines.defs.dbt.resources import dbt_resource

defs = dg.Definitions(assets=[omnistock_dbt_assets], resources={"dbt": dbt_resource()})
