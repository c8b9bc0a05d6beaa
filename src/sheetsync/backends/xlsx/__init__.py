"""The local backend: a tracker in an ``.xlsx`` workbook, read and written with openpyxl.

backend    XlsxBackend: read, write status, append Log rows and auto rows, one save
file       opening, the damaged-file check, the atomic save (temporary file, then rename)
formulas   formula cells' saved results, kept across a save
lock       one run at a time per workbook, and a refusal while a person has it open
"""

from .backend import DATE_FORMAT, XlsxBackend

__all__ = ["DATE_FORMAT", "XlsxBackend"]
