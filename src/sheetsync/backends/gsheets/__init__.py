"""The Google backend: a tracker in a Google Sheet, through the Sheets API v4.

backend    GoogleSheetsBackend: read, write status, append Log rows and auto rows
cellplan   pure planning: which cells change, as which JSON values, in which ranges
bodies     request bodies split to stay under about 2 MB
reread     the header and target columns re-read just before a write
retry      the HTTP edge: counted requests, bounded retries, Google's errors translated
lease      one run at a time per spreadsheet (developer metadata)
recheck    after a lost answer: did a write that adds or removes rows take effect?
"""

from .backend import GoogleSheetsBackend

__all__ = ["GoogleSheetsBackend"]
