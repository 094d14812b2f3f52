"""Data and methods: what is loaded, how to add DfE downloads, and what every figure means."""

import streamlit as st

from components import data_page, filters

selection = filters.current()
st.title("Data and methods")
data_page.intro(selection)
data_page.loaded_section(selection)
data_page.upload_section()
data_page.definitions_section()
