"""New rows after a frame's own (``derive.appending.appended``): column by column, the frame
``pd.concat`` gives, dtypes and blanks included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sheetsync.derive.appending import appended


def concatenated(frame: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    """What ``pd.concat`` gives: the new rows as a frame, objects where the frame has objects."""
    new = pd.DataFrame(
        {
            name: pd.Series(values, dtype=object)
            if name in frame and frame[name].dtype == object
            else values
            for name, values in columns.items()
        }
    )
    return pd.concat([frame, new], ignore_index=True)


def milestones(n: int) -> pd.DataFrame:
    """A frame with each kind of column the milestones frame holds, blanks among them."""
    return pd.DataFrame(
        {
            "row": np.arange(2, 2 + n, dtype=np.int64),
            "id": pd.Series([f"M-{i}" if i % 3 else None for i in range(n)], dtype=object),
            "done": np.arange(n) % 2 == 0,
            "type": pd.array(["notice" if i % 2 else None for i in range(n)], dtype="str"),
            "due": pd.to_datetime(["2027-01-05" if i % 4 else None for i in range(n)]),
            "owners": pd.Series([("a@example.com",) if i % 2 else () for i in range(n)]),
            "notes": pd.Series(["", np.nan, "call"] * (n // 3) + [""] * (n % 3), dtype=object),
            "count": np.arange(n, dtype=np.int64) * 2,
            "series_from": pd.Series(pd.NaT, index=range(n), dtype="datetime64[s]"),
            "status_before": pd.Series([None] * n, dtype=object),
        }
    )


def new_rows(n: int) -> dict[str, object]:
    """Auto rows as derivation makes them: arrays and a list, days as datetime64[D]."""
    return {
        "row": np.arange(100, 100 + n, dtype=np.int64),
        "id": [f"C-{i}/notice" for i in range(n)],
        "done": np.zeros(n, dtype=bool),
        "type": np.array(["notice"] * n, dtype=object),
        "due": np.array(["2027-02-01"] * n, dtype="datetime64[D]"),
        "owners": np.array([("b@example.com",)] * n + [()], dtype=object)[:n],
        "notes": np.full(n, "", dtype=object),
        "count": np.ones(n, dtype=np.int64),
    }


def assert_same(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal frames, and each object cell of the same type (NaN is not None to a reader)."""
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    for name in [n for n in expected.columns if expected[n].dtype is np.dtype(object)]:
        assert list(map(type, found[name])) == list(map(type, expected[name])), name


@pytest.mark.parametrize(("old", "new"), [(7, 3), (1, 1), (30, 12)])
def test_appended_is_what_concat_gives(old: int, new: int) -> None:
    """Numbers, flags, text, dates, tuples and columns the new rows lack, as pd.concat has them."""
    frame, columns = milestones(old), new_rows(new)
    found = appended(frame, columns)
    assert_same(found, concatenated(frame, columns))
    assert found["owners"].iat[old] == ("b@example.com",)
    assert pd.isna(found["status_before"].iat[-1]) and found["series_from"].isna().all()


def test_columns_the_new_rows_lack_widen_as_concat_widens_them() -> None:
    """A flag or a count the new rows lack is blank there: objects and floats, as pd.concat."""
    frame, columns = milestones(5), new_rows(2)
    del columns["done"], columns["count"], columns["type"]
    found = appended(frame, columns)
    assert_same(found, concatenated(frame, columns))
    assert found["count"].dtype == "float64" and found["done"].dtype == object


def test_an_empty_frame_or_a_column_only_the_new_rows_have() -> None:
    """The cases pd.concat itself joins give its frame too."""
    empty, columns = milestones(0), new_rows(3)
    assert_same(appended(empty, columns), concatenated(empty, columns))
    frame, extra = milestones(4), {**new_rows(2), "waits_for": np.ones(2, dtype=np.int64)}
    assert_same(appended(frame, extra), concatenated(frame, extra))
