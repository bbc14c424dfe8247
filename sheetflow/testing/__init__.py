"""Builders shared by the test suite and `sheetflow bench`, all through the real services.

In the package (not in tests/) so that an installed Sheetflow can run its benchmark.
"""
