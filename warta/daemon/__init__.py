"""The daemon: the scheduler, its crawl and feed jobs, signal handling, and the executors that run crawls."""
