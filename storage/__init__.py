"""The archive database: models, migrations, and the operations that record what was crawled."""
