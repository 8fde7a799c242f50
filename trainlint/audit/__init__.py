"""Stage 4: audits of many files and repositories: the cache, the batch runner, executors, summaries."""
