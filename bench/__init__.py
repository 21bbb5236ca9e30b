"""Benchmarks of warta, each reported as a ratio measured side by side in one run (`make bench`)."""
