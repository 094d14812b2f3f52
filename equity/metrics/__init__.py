"""Equity metrics as pure functions over polars frames and expressions."""
