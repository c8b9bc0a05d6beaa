"""The references a full run is measured against: the I/O floor and the naive per-row script.

Imported by ``bench/run.py`` (``python bench/run.py --rows N`` runs both); not a script.
Both talk to the Sheets API emulator through gspread's own HTTP client and nothing else.
"""

from __future__ import annotations

import re
import time
from typing import Any

import gspread
from gspread.utils import absolute_range_name, rowcol_to_a1

from sheetsync.backends.a1 import cell_position, column_letters

READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
NAIVE_SYSTEM_COLUMNS = "J{row}:Q{row}"  # the 8 milestone system columns after A:I
# A value range the backend writes: 'Tab'!J2:J900 (a column run), 'Tab'!A1 (one cell) or
# 'Tab'!A5:Q6 (whole rows); the tab name may be quoted, with '' for a quote inside it.
RANGE = re.compile(r"(?P<tab>.+)!(?P<first>[A-Z]+\d+)(?::(?P<last>[A-Z]+\d+))?")
WRITES_PER_MINUTE = 60  # Google's per-user quota (reads have their own 60 per minute)
FIELDS = "gridProperties.rowCount,gridProperties.columnCount"


def io_floor(client: gspread.Client, sheet_id: str, tabs: list[str], writes: list[dict]) -> dict:
    """One values:batchGet of every tab, then one RAW values:batchUpdate of the same cells.

    Args:
        client: a gspread client pointed at the emulator.
        sheet_id: a fresh copy of the tracker the run read.
        tabs: the tab titles to read.
        writes: the value ranges the run wrote (one per run of rows in a column).

    Returns:
        Wall and CPU seconds and cells read and written by the floor (one range per
        column: the same cells, nulls across the gaps), and the seconds the same write
        takes as the run's many ranges (``floor_ranges_s``, read included).
    """
    http = client.http_client
    _make_room(http, sheet_id, writes)
    start = time.perf_counter(), time.process_time()
    answer = http.values_batch_get(sheet_id, [f"'{tab}'" for tab in tabs], params=dict(READ_PARAMS))
    read_s = time.perf_counter() - start[0]
    http.values_batch_update(sheet_id, {"valueInputOption": "RAW", "data": by_column(writes)})
    floor = time.perf_counter() - start[0], time.process_time() - start[1]
    again = time.perf_counter()
    http.values_batch_update(sheet_id, {"valueInputOption": "RAW", "data": writes})
    return {
        "floor_s": round(floor[0], 3),
        "floor_cpu_s": round(floor[1], 3),
        "floor_calls": 2,
        "floor_ranges_s": round(read_s + time.perf_counter() - again, 3),
        "write_ranges": len(writes),
        "cells_read": _cells(part.get("values", []) for part in answer["valueRanges"]),
        "cells_written": sum(v is not None for vr in writes for v in range_cells(vr).values()),
    }


def _make_room(http: Any, sheet_id: str, writes: list[dict]) -> None:
    """Give the fresh copy room for every cell the run wrote, before the clock starts.

    The run may add tabs (the Dashboard) and rows (the auto milestones): each tab the
    writes reach is added, or grown, to the rows and columns they need, so the floor
    writes the same cells into a grid where they fit.
    """
    need = _extents(writes)
    sheets = {
        tab["properties"]["title"]: tab["properties"]
        for tab in http.fetch_sheet_metadata(sheet_id)["sheets"]
    }
    requests = []
    for title, (rows, columns) in sorted(need.items()):
        props = sheets.get(title)
        if props is None:
            grid = {"rowCount": rows, "columnCount": columns}
            requests.append({"addSheet": {"properties": {"title": title, "gridProperties": grid}}})
            continue
        have = props["gridProperties"]
        grid = {
            "rowCount": max(rows, have["rowCount"]),
            "columnCount": max(columns, have["columnCount"]),
        }
        if grid != {"rowCount": have["rowCount"], "columnCount": have["columnCount"]}:
            sheet = {"sheetId": props["sheetId"], "gridProperties": grid}
            requests.append({"updateSheetProperties": {"properties": sheet, "fields": FIELDS}})
    if requests:
        http.batch_update(sheet_id, {"requests": requests})


def _extents(writes: list[dict]) -> dict[str, tuple[int, int]]:
    """The last row and column each tab's value ranges reach, by the tab's title."""
    extents: dict[str, tuple[int, int]] = {}
    for vr in writes:
        for tab, column, row in range_cells(vr):
            title = _unquoted(tab)
            rows, columns = extents.get(title, (0, 0))
            extents[title] = (max(rows, row), max(columns, column))
    return extents


def _unquoted(tab: str) -> str:
    """A tab name as the API titles it: 'Bob''s' → Bob's."""
    return tab[1:-1].replace("''", "'") if tab.startswith("'") else tab


def by_column(writes: list[dict]) -> list[dict]:
    """The run's value ranges merged into one range per column, gaps sent as null (untouched)."""
    columns: dict[tuple[str, int], dict[int, Any]] = {}
    for vr in writes:
        for (tab, column, row), value in range_cells(vr).items():
            columns.setdefault((tab, column), {})[row] = value
    return [
        {
            "range": f"{tab}!{column_letters(column)}{min(cells)}:"
            f"{column_letters(column)}{max(cells)}",
            "majorDimension": "COLUMNS",
            "values": [[cells.get(row) for row in range(min(cells), max(cells) + 1)]],
        }
        for (tab, column), cells in columns.items()
    ]


def updated_cells(requests: list[dict], titles: dict[int, str]) -> list[dict]:
    """The updateCells requests of a spreadsheets:batchUpdate as value ranges, one each.

    ``titles`` names the tabs by sheet ID; tabs the same batch adds are named from it. A
    CellData without a value (a cleared cell) is "", as the run's RAW writes clear one.
    """
    titles = titles | {
        add["addSheet"]["properties"]["sheetId"]: add["addSheet"]["properties"]["title"]
        for add in requests
        if "sheetId" in add.get("addSheet", {}).get("properties", {})
    }
    ranges = []
    for request in requests:
        update = request.get("updateCells")
        if update is None:
            continue
        start, rows = update["start"], update.get("rows", [])
        values = [[_entered(cell) for cell in row.get("values", [])] for row in rows]
        if not values:
            continue
        top, left = start.get("rowIndex", 0) + 1, start.get("columnIndex", 0) + 1
        last = rowcol_to_a1(top + len(values) - 1, left + max(map(len, values)) - 1)
        tab = absolute_range_name(titles[start.get("sheetId", 0)])
        ranges.append({"range": f"{tab}!{rowcol_to_a1(top, left)}:{last}", "values": values})
    return ranges


def _entered(cell: dict) -> Any:
    """A CellData's userEnteredValue as the JSON value a RAW write sends."""
    entered = cell.get("userEnteredValue", {})
    return next(iter(entered.values()), "")


def range_cells(vr: dict) -> dict[tuple[str, int, int], Any]:
    """Each cell of one value range by (tab, 1-based column, row), whatever its shape.

    The values are rows unless ``majorDimension`` is COLUMNS, as the Sheets API reads them.
    """
    match = RANGE.fullmatch(vr["range"])
    if match is None:
        raise ValueError(f"not an A1 range the bench knows: {vr['range']!r}")
    top, left = cell_position(match["first"]) or (0, 0)
    by_columns = vr.get("majorDimension") == "COLUMNS"
    cells: dict[tuple[str, int, int], Any] = {}
    for outer, line in enumerate(vr.get("values", [])):
        for inner, value in enumerate(line):
            across, down = (outer, inner) if by_columns else (inner, outer)
            cells[(match["tab"], left + across, top + down)] = value
    return cells


def naive(client: gspread.Client, sheet_id: str, rows: int, today_serial: int) -> dict:
    """What a simple sheet script does: read each milestone row, then write its 8 cells.

    Returns:
        Wall seconds on loopback, calls, and the minutes Google's write quota would take.
    """
    http = client.http_client
    start = time.perf_counter()
    for row in range(2, rows + 2):
        values = http.values_get(sheet_id, f"Milestones!A{row}:I{row}", params=dict(READ_PARAMS))
        cells = _naive_status(values.get("values", [[]])[0], today_serial)
        target = f"Milestones!{NAIVE_SYSTEM_COLUMNS.format(row=row)}"
        http.values_update(
            sheet_id, target, params={"valueInputOption": "RAW"}, body={"values": [cells]}
        )
    writes = rows
    return {
        "naive_rows": rows,
        "naive_calls": 2 * rows,
        "naive_s": round(time.perf_counter() - start, 3),
        "naive_quota_min": round(writes / WRITES_PER_MINUTE, 1),
    }


def _naive_status(row: list[Any], today_serial: int) -> list[Any]:
    """The per-row logic such a script would have: days left and a status word."""
    due = row[4] if len(row) > 4 else None
    done = len(row) > 7 and bool(row[7])
    if not isinstance(due, int | float):
        return ["Needs attention", "", "", "", "", "Due Date is not a date", "", "manual"]
    left = int(due) - today_serial
    status = "Done" if done else "Overdue" if left < 0 else "Due soon" if left <= 30 else "Upcoming"
    return [status, left, "", "", "", "", "", "manual"]


def _cells(grids: Any) -> int:
    return sum(len(row) for grid in grids for row in grid)
