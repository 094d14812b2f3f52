"""Data and methods: what is loaded, how to add DfE downloads, and what every figure means."""

import streamlit as st

from components import filters
from components.data_page import definitions, loaded, own_files

selection = filters.current()
st.title("Data and methods")
loaded.intro(selection)
loaded.loaded_section(selection)
own_files.upload_section()
definitions.definitions_section()
