"""Web pages (and their helpers) that the Chromium tests and benchmarks drive."""
