"""What a run leaves behind: Log rows, Last Notified cells, and which old Log rows go.

``rows`` builds the Log rows of messages and written changes, ``notified`` reads and
writes each row's Last Notified record (merged with the Log), ``summarised`` and
``summary_cells`` the monthly summary's mark in it, and ``prune`` chooses the Log
rows a run may delete. Pure: the pipeline appends, writes and deletes.
"""
