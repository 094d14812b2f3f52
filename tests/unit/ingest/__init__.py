"""Tests of the file-kind readers, one module per kind (equity/ingest/<kind>.py)."""
