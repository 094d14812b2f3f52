"""The phases of the benchmark suite, one module each; benchmarks/__main__.py parses the
arguments and runs them in turn."""
