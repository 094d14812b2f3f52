"""Accessibility statement, modelled on GOV.UK's sample statement.

Claims here are ones the test suite checks: tests/browser/test_accessibility.py (axe-core on
every page, skip link, takeaway and table beside every chart) and tests/unit/test_theme.py
(chart colour contrast). The palette table is computed from components/theme.py.
"""

import streamlit as st

from components.text import ROLE_LABELS
from components.theme import BACKGROUND, GROUP_COLOURS, ROLE_COLOURS, contrast_ratio
from equity.schema import PUPIL_GROUP_LABELS

st.title("Accessibility statement for Equity Explorer")
st.markdown(
    "This statement applies to the Equity Explorer dashboard: its pages, charts, maps, data "
    "tables and downloads. It does not cover the Department for Education and Office for "
    "National Statistics files the figures come from, or other websites we link to."
)
st.markdown(
    "We want as many people as possible to be able to use Equity Explorer. For example, you "
    "should be able to:\n"
    "- reach every page, filter and control with a keyboard alone, starting with a "
    "*Skip to main content* link that appears when you first press Tab;\n"
    "- read every chart's main finding as a sentence written under its title, worked out from "
    "the same figures the chart draws;\n"
    "- open the figures behind every chart or map as a table (*Show data*) and download them "
    "as a CSV file;\n"
    "- tell the pupil groups and comparison areas apart without relying on colour vision: the "
    "charts use the colour-blind safe Okabe–Ito palette, name each group in a legend and in "
    "the table, and every chart colour has a contrast of at least 3:1 with the background;\n"
    "- zoom in up to 400% without scrolling sideways: the page reflows into one column, and "
    "the sidebar of filters can be closed with its button and opened again;\n"
    "- share exactly what you are looking at: the filters are kept in the page address."
)

st.header("How accessible this website is", anchor=False)
st.markdown(
    "We know some parts of Equity Explorer are not fully accessible:\n"
    "- the maps on *Where disadvantage concentrates* cannot be explored with a keyboard or a "
    "screen reader on their own; each map is accompanied by a table of the same figures and a "
    "written summary;\n"
    "- individual bars, points and lines inside a chart are not announced by screen readers; "
    "use the sentence above each chart and its *Show data* table instead;\n"
    "- the data tables are an interactive grid: they can be used with a keyboard, but some "
    "screen readers read them cell by cell more slowly than a plain table, so each can also "
    "be downloaded as CSV;\n"
    "- the list of pages in the sidebar is grouped in a way that automated checkers report as "
    "an incorrectly structured list, so a screen reader may announce the number of pages "
    "wrongly; this markup comes from Streamlit, the framework the dashboard is built with;\n"
    "- on some pages the heading levels skip a level (for example from a level 1 to a level "
    "3 heading)."
)

st.header("Feedback and reporting accessibility problems", anchor=False)
st.markdown(
    "If you find a problem not listed here, or you need the information in a different "
    "format, open an issue in the project's issue tracker whose title begins with the word "
    "Accessibility. Please include:\n"
    "- the link to the page (it records your filters);\n"
    "- what you were trying to do and what happened;\n"
    "- your browser, and any assistive technology you use (for example a screen reader or "
    "magnifier, and its version).\n\n"
    "Equity Explorer is an open-source project, not "
    "a public sector website; we follow the Public Sector Bodies Accessibility Regulations "
    "2018 and GOV.UK's model statement because many of the people who use it work for bodies "
    "that must."
)

st.header("Technical information about this website's accessibility", anchor=False)
st.subheader("Compliance status", anchor=False)
st.markdown(
    "Our target is the [Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/"
    "WCAG22/) AA standard. Equity Explorer is partially compliant with it, because of the "
    "non-compliances listed below."
)
st.subheader("Non-accessible content", anchor=False)
st.markdown(
    "- Maps are not operable by keyboard and have no text alternative of their own (WCAG 2.2 "
    "success criteria 1.1.1 Non-text content and 2.1.1 Keyboard). Each map has a table and a "
    "written summary with the same information.\n"
    "- The sidebar's list of pages is announced as a malformed list (1.3.1 Info and "
    "relationships). It is drawn by Streamlit, the framework the dashboard is built with; we "
    "plan to replace it with navigation that is marked up correctly.\n"
    "- Some pages skip a heading level (1.3.1 Info and relationships). We will fix this as "
    "the pages are finished."
)

st.header("What we do to improve accessibility", anchor=False)
st.subheader("Chart colours", anchor=False)
#: A Markdown table, not `st.table`: Streamlit's table imports pandas, which no other first
#: screen needs (~0.3 s of this page's first visit in a server process, issue 16), for
#: eleven rows of fixed text.
palette_rows = [
    (label, colour, f"{contrast_ratio(colour, BACKGROUND):.1f}:1")
    for label, colour in [
        *((PUPIL_GROUP_LABELS.get(key, key), c) for key, c in GROUP_COLOURS.items()),
        *((ROLE_LABELS.get(key, key), c) for key, c in ROLE_COLOURS.items()),
    ]
]
st.markdown(
    "| Used for | Colour | Contrast |\n| --- | --- | --- |\n"
    + "\n".join(f"| {label} | {colour} | {ratio} |" for label, colour, ratio in palette_rows)
)
st.caption(
    "Contrast: each colour against the charts' white background. "
    "WCAG 2.2 asks for 3:1 for the parts of a chart you need to see (success criterion "
    "1.4.11); body text on this site has at least 4.5:1 (1.4.3)."
)

st.subheader("How we tested this website", anchor=False)
st.markdown(
    "- **Automated checks on every change.** The test suite opens every page in a headless "
    "Chromium browser and runs [axe-core](https://github.com/dequelabs/axe-core) on it, once "
    "as it first opens and again after a filter is changed. Any problem axe rates serious or "
    "critical fails the build.\n"
    "- **Keyboard.** Automated tests press Tab from the top of the page, check the skip link "
    "is the first stop and becomes visible, and that it moves focus past the sidebar into "
    "the page's content. The authority filter is changed by typing a name and pressing "
    "Enter, and the page is checked to reflow at a width of 320 pixels.\n"
    "- **Text alternatives.** The same tests check that every chart and map has a written "
    "takeaway and a *Show data* table next to it.\n"
    "- **Colour.** Unit tests check the contrast of every chart colour against the background.\n"
    "- **Not yet done.** We have not yet tested with screen readers (NVDA, JAWS, VoiceOver) or "
    "with disabled users. This is planned before the first release."
)
st.markdown(
    "This statement is reviewed whenever a page is added or changed, and the automated checks "
    "above run on every change to the code."
)
