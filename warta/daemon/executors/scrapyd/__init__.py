"""Scale-out: crawls dispatched to Scrapyd nodes, and the deployable egg those nodes run."""
