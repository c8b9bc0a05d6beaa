"""What a new Google spreadsheet looks like: default format, theme, grid size."""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
DEFAULT_LOCALE = "en_US"
DEFAULT_TIME_ZONE = "Etc/GMT"


def _rgb(red: float = 0, green: float = 0, blue: float = 0) -> dict[str, float]:
    color = {"red": red, "green": green, "blue": blue}
    return {key: value for key, value in color.items() if value}


_WHITE = _rgb(1, 1, 1)

_DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": _WHITE,
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _WHITE},
}

_THEME_COLORS = [
    ("TEXT", _rgb()),
    ("BACKGROUND", _WHITE),
    ("ACCENT1", _rgb(0.25882354, 0.52156866, 0.95686275)),
    ("ACCENT2", _rgb(0.91764706, 0.2627451, 0.20784314)),
    ("ACCENT3", _rgb(0.9843137, 0.7372549, 0.015686275)),
    ("ACCENT4", _rgb(0.20392157, 0.65882355, 0.3254902)),
    ("ACCENT5", _rgb(1, 0.42745098, 0.003921569)),
    ("ACCENT6", _rgb(0.27450982, 0.7411765, 0.7764706)),
    ("LINK", _rgb(0.06666667, 0.33333334, 0.8)),
]


def spreadsheet_properties(title: str, locale: str, time_zone: str) -> dict[str, Any]:
    """Return the ``properties`` of a new spreadsheet, as Google fills them in."""
    return {
        "title": title,
        "locale": locale,
        "autoRecalc": "ON_CHANGE",
        "timeZone": time_zone,
        "defaultFormat": copy.deepcopy(_DEFAULT_FORMAT),
        "spreadsheetTheme": {
            "primaryFontFamily": "Arial",
            "themeColors": [
                {"colorType": kind, "color": {"rgbColor": dict(color)}}
                for kind, color in _THEME_COLORS
            ],
        },
    }


def sheet_properties(sheet_id: int, title: str, rows: int, columns: int) -> dict[str, Any]:
    """Return the ``properties`` of a new grid sheet."""
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": 0,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": columns},
    }
