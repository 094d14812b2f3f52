"""Performance benchmarks at national scale: `python3 -m benchmarks [--quick]`.

Every timing is reported beside a floor measured in the same run on the same machine
(an empty Streamlit app, a "render floor" app drawing the same charts from ready frames,
`pandas.read_csv`), so the targets are ratios that mean the same on a laptop and in CI.
See benchmarks/README.md.
"""
