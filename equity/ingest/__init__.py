"""Readers for DfE and ONS files, one module per file kind, listed in `registry.py`."""
