"""Crawling configured sources with Scrapy and extracting articles with trafilatura."""
