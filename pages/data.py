"""Data and methods: what is loaded, how to add DfE downloads, and what every figure means.

Each section is a lazy tab (components/sections.py): a first visit draws what is loaded for
the selected authority; the files, the upload and the definitions run when their tab is
opened (`?section=<label>`), and the definitions' modules are imported only then. A load
report waits in the session until its tab shows it, so an upload finished while another tab
was open is never lost."""

import streamlit as st

from components import filters, sections
from components.data_page import loaded, own_files

LOADED = "What is loaded"
FILES = "Files and sources"
YOURS = own_files.TAB_LABEL
DEFINITIONS = "Definitions"

selection = filters.current()
st.title("Data and methods")
loaded.intro(selection)
report_notice = st.empty()  # filled below when a load's report waits in another tab
loaded_tab, files_tab, yours_tab, definitions_tab = sections.tabs(
    [LOADED, FILES, YOURS, DEFINITIONS]
)
if loaded_tab.open:
    with loaded_tab:
        loaded.loaded_section(selection)
if files_tab.open:
    with files_tab:
        loaded.files_section()
        loaded.rejected_section()
if yours_tab.open:
    with yours_tab:
        own_files.upload_section()
else:
    own_files.point_to_report(report_notice, YOURS)
if definitions_tab.open:
    from components.data_page import definitions

    with definitions_tab:
        definitions.definitions_section()
