"""dbt's `adapter` as sqlfluff's jinja templater sees it: no relation exists when linting."""


def get_columns_in_relation(relation):
    return []
