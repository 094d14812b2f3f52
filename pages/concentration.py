"""Placeholder while the page is built (replaced before release)."""

import streamlit as st

st.title("concentration")
st.info("This page is being built.")
