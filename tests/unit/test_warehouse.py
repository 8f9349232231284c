"""Whole-table writes to the warehouse replace, never add; names are checked, values bound."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.warehouse import connect, read_frame, replace_table


def test_replace_table_twice_keeps_one_copy_and_reads_back_with_bound_parameters() -> None:
    frame = pl.DataFrame({"channel_id": ["tmall", "jd"], "qty": [3, 4]})
    with connect() as con:
        assert replace_table(con, "marts", "example", frame) == 2
        replace_table(con, "marts", "example", frame)
        assert read_frame(con, "select count(*) as n from marts.example")["n"][0] == 2
        got = read_frame(con, "select qty from marts.example where channel_id = ?", ["jd"])
    assert got["qty"].to_list() == [4]
    with connect(read_only=True) as con:
        assert read_frame(con, "select sum(qty) as s from marts.example")["s"][0] == 7


def test_replace_table_refuses_names_that_are_not_plain_identifiers() -> None:
    with connect() as con, pytest.raises(ValueError, match="identifier"):
        replace_table(con, "marts", "x; drop table y", pl.DataFrame({"a": [1]}))
