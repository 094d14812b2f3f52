"""Equity Explorer's domain package: schema, ingest, store and metrics. No Streamlit here."""

__version__ = "0.1.0"
