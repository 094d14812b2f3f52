"""The Data and methods page's pieces, one section a module:

- loaded.py: the page's introduction and what is loaded (per LA, every file with its
  publisher and licence, the rows not stored and why), read from equity/analysis/coverage.py;
- own_files.py: loading your own DfE files into the session's private layer;
- definitions.py: what every measure, group, index and status means, read from
  equity/analysis/definitions.py;
- common.py: the section's tables (human column names, CSV downloads) and links.

The page exists so a reader can check any figure: which file it came from, who published
it and under what licence, which rows were refused and why, and what each measure, group,
index and status means. Text that comes from files or users (LA and file names, rejection
reasons) is escaped before it reaches Markdown, and nothing here uses unsafe HTML.
"""
