"""Approval routes: which approvers a contract in Draft or In review needs, and their steps.

``routes`` reads the ``Approval route: <condition>`` settings and picks a contract's
route; ``steps`` keeps the ``{contract}/approval-n`` auto rows; ``hold`` keeps the
steps that wait for an earlier one quiet and says so. All pure.
"""
