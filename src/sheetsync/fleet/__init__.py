"""Many trackers from one deployment, fanned out on Pub/Sub (issue 16).

``fanout.fan_out`` (the Cloud Function target ``fan_out``, called daily by Cloud
Scheduler) reads the list of trackers (``SHEETSYNC_TRACKERS``, or the registry sheet
``SHEETSYNC_REGISTRY`` that admins edit) and publishes one Pub/Sub message per tracker,
its spreadsheet ID as the ordering key. A push subscription hands each message to the
worker target ``on_pubsub``, which runs that one tracker; a failed run answers 500, so
Pub/Sub redelivers that message alone, with backoff, and moves it to the dead-letter
topic after the last attempt. Each worker paces its Sheets API requests at the quota
divided by the number of workers (``backends/gsheets/pacing.py``).
"""
