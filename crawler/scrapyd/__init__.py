"""The Scrapy project that Scrapyd nodes run: settings, the entry spider and its job arguments."""
