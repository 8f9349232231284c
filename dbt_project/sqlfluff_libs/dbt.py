"""dbt's cross-database macros as sqlfluff's jinja templater sees them (DuckDB's SQL, for linting only)."""


def type_string():
    return "varchar"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"{from_date_or_timestamp} + (interval 1 {datepart} * {interval})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def hash(field):  # noqa: A001 - dbt's name
    return f"md5(cast({field} as varchar))"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    return f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"
