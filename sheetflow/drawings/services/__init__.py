"""Writes for the drawings tool (one module per feature, re-exported here)."""
