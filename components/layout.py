"""Page furniture shared by every page: skip link, language, footer with licence."""

from __future__ import annotations

import streamlit as st

#: Plain CSS and a skip link; no data value is ever interpolated into this HTML.
_CHROME = """
<a class="equity-skip-link" href="#main-content">Skip to main content</a>
<span id="main-content" tabindex="-1"></span>
<style>
.equity-skip-link {position:absolute; left:-10000px; top:auto; width:1px; height:1px;
  overflow:hidden;}
.equity-skip-link:focus {position:fixed; left:1rem; top:1rem; width:auto; height:auto;
  z-index:100000; background:#FFDD00; color:#0B0C0C; padding:0.5rem 1rem; font-weight:700;
  outline:3px solid #0B0C0C;}
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
