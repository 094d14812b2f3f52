"""Reusable Streamlit pieces: filters, store access, charts, maps, tables and exports."""
