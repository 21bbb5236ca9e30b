"""Where a scheduled crawl runs: a local child process, or a job on a Scrapyd node (see executors.base)."""
