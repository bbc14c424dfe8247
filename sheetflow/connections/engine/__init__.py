"""The sync engine: copies published upstream drawings into connected downstream projects.

- ``copy``: applies one window of upstream changes to one downstream, set-based SQL.
- ``runner``: the lease, the passes over windows, the cursor, runs and errors.
- ``lifecycle``: what connecting, undoing and disconnecting do to the copies.
- ``wakeups``: who is woken when (after upstream commits, the periodic sweep).
"""
