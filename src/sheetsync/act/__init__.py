"""Mark done from the email: the pure half of the public ``act`` function target.

A Mark-done link (``sheetsync.links``) opens a page showing the milestone as the sheet
holds it now, with a Confirm button; only the button's POST writes. ``decide`` says what
a request may do with the row it found (confirm, write, or say why not), ``page`` turns
that into an HTML page; ``service`` (the edge) reads the tracker, holds the run lock,
writes Done and Completed On and the Log row.
"""
