"""The offline demo: a bundled local site served on 127.0.0.1, crawled on two days."""
