"""Story and presentation: collect charts as slides, share them as a link, present them,
download them as PowerPoint or PDF."""

import streamlit as st

from components import filters, presentation, story

selection = filters.current()
story.load_from_url()
presentation.from_url()  # &present=1&slide=3
slides = story.items(selection)  # the story's charts, or the current page's when empty
if presentation.presenting():
    story.link_error()  # a broken link must say so, not quietly present other charts
    presentation.presentation(slides)
else:
    st.title("Story and presentation")
    st.markdown(
        "Collect charts from any page into a story: add a title and a note to each, share it "
        "as a link, present it full screen, or download it as slides."
    )
    story.link_error()
    st.button(
        "Present",
        key="story-present",
        type="primary",
        icon=":material/slideshow:",
        on_click=presentation.start_presenting,
        help="Full screen, one chart per slide in large type. Left and Right arrow keys move "
        "between slides, Esc leaves.",
    )
    story.editor(slides)
    story.share(story.current())
    story.downloads(slides)
    story.sync_url(story.current())
