"""The sync engine: copies published upstream drawings into connected downstream projects.

- ``runner``: the leases, the passes over windows for groups of downstreams at one cursor,
  the cursors, runs and errors; the window's SQL is the drawings app's replicas service.
- ``lifecycle``: what connecting, undoing and disconnecting do to the copies.
- ``wakeups``: who is woken when (after upstream commits, the periodic sweep).

Its tasks are in ``connections.tasks``, its messages in ``connections.notices``.
"""
