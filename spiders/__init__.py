"""The Scrapy project: settings, items, pipelines, and one spider per source in ``sources``."""
