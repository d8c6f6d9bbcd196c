"""Measurement tooling: the benchmarks (run as scripts) and the headless-Chromium driver the HTML tests share."""
