"""Page furniture shared by every page: skip link styling, caption contrast, footer.

The skip link itself is Streamlit's: in Streamlit 1.67 every app's first focusable element is
`a[data-testid="stSkipToContent"]` ("Skip to main content", href="#stMain"), which moves
focus to `<main id="stMain" tabindex="0">`, the page content after the sidebar. A second
link of our own inside <main> would only make keyboard users skip twice, so the app
styles Streamlit's link instead: hidden until focused, then GOV.UK's yellow focus style.
Streamlit's index.html already declares `<html lang="en">`.

Only constant CSS is written here; no data value ever reaches this HTML.
"""

from __future__ import annotations

import streamlit as st

#: A fixed string (tests/unit/test_security.py checks st.html only ever gets one).
#: Skip link on focus: GOV.UK's focus style (#FFDD00 behind #0B0C0C text, 3 px outline).
#: Captions: Streamlit draws them in the text colour at opacity 0.6, which comes out as
#: #828180 on white, 3.9:1, under WCAG 2.2's 4.5:1 for text of this size (axe
#: color-contrast, serious, on every page with a caption). Instead: GOV.UK's secondary text
#: colour #505A5F at full opacity, 7.1:1 on white and 6.7:1 on the sidebar's #F8F8F7.
#: Nothing cut off: Streamlit 1.67 draws metric values and labels, sidebar page links and
#: widget labels on one line with an ellipsis, so "Gap to other pupils nationally" or
#: "Where disadvantage concentrates" lost their ends in four columns at 1024 px or in the
#: sidebar. They wrap instead, and metric values scale with the window
#: (tests/browser/test_layout.py measures scrollWidth against clientWidth on every page).
#: Markdown tables (the Accessibility statement's palette) may break a long word in their
#: first column, the labels: at 320 px "Other (non-disadvantaged) pupils" held the table
#: 21 px wider than the page, which then scrolled sideways (WCAG 1.4.10,
#: tests/browser/test_accessibility.py); codes and figures in the other columns stay whole.
#: Headline tiles (components/tiles.py): a grid of label over value, the value sized as the
#: metric values above, wrapping to fewer columns in a narrow window.
#: Presentation mode hides the chart toolbar: it sat over the end of the takeaway in large
#: type, and a slide's downloads live on the story page anyway.
#: The prefetch script's container draws nothing (components/prefetch.py).
_CHROME = """
<style>
.stApp [data-testid="stSkipToContent"]:focus,
.stApp [data-testid="stSkipToContent"]:focus-visible {
  background: #FFDD00; color: #0B0C0C; outline: 3px solid #0B0C0C;
  outline-offset: 0; box-shadow: none; text-decoration: underline; font-weight: 700;
  z-index: 1000001;
}
.stApp [data-testid="stCaptionContainer"],
.stApp [data-testid="stCaptionContainer"] p {
  color: #505A5F; opacity: 1;
}
.stApp [data-testid="stMetricLabel"],
.stApp [data-testid="stMetricLabel"] *,
.stApp [data-testid="stMetricValue"],
.stApp [data-testid="stMetricValue"] *,
.stApp [data-testid="stSidebarNavLink"] *,
.stApp [data-testid="stWidgetLabel"] *,
.stApp [data-testid="stCheckbox"] label *,
.stApp [data-testid="stRadio"] label *,
.stApp [data-testid="stExpander"] summary *,
.stApp [data-testid="stTable"] td, .stApp [data-testid="stTable"] th {
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: break-word;
}
.stApp [data-testid="stMarkdownContainer"] td:first-child,
.stApp [data-testid="stMarkdownContainer"] th:first-child {
  hyphens: auto; overflow-wrap: anywhere;
}
.stApp [data-testid="stMetricLabel"] { height: auto; min-height: 1.5rem; }
.stApp [data-testid="stMetricLabel"] * { hyphens: auto; }
.stApp [data-testid="stMetricValue"] {
  height: auto; font-size: clamp(1.35rem, 1rem + 1vw, 2rem); line-height: 1.2;
}
.stApp [data-testid="stSidebarNavLink"] { height: auto; min-height: 2rem; }
.stApp dl.equity-tiles {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: 0.5rem 1rem; margin: 0; padding: 0;
}
.stApp dl.equity-tiles > div { margin: 0; padding: 0; }
.stApp dl.equity-tiles dt {
  font-size: 0.875rem; font-weight: 400; color: #0B0C0C; margin: 0 0 0.25rem; padding: 0;
}
.stApp dl.equity-tiles dd {
  margin: 0; padding: 0; font-size: clamp(1.35rem, 1rem + 1vw, 2rem); line-height: 1.2;
  color: #0B0C0C; overflow-wrap: break-word;
}
.stApp .st-key-equity-presentation [data-testid="stElementToolbar"] { display: none; }
.stApp .st-key-equity-prefetch { display: none; }
.stApp [class*="st-key-equity-progressive-script-"] { display: none; }
</style>
"""


def page_chrome() -> None:
    st.html(_CHROME)


def footer() -> None:
    st.divider()
    st.caption(
        "Data: Department for Education and Office for National Statistics, published under the "
        "Open Government Licence v3.0. Boundaries contain OS data © Crown copyright and database "
        "right 2022. Equity Explorer is open source; figures are as published, suppressed cells "
        "stay suppressed."
    )
