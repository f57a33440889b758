"""Getting data into the market database: the public-source crawl and the file imports.

``crawl.run_crawl`` runs the Scrapy project (``exportkit.spiders``) in a child process;
``customs.import_customs`` reads the customs portal's hand-downloaded CSV exports;
``baci.import_baci_files`` streams CEPII BACI bulk year files;
``fetch.MissingFetcher`` crawls the Comtrade imports an assessment batch lacks.
"""

from exportkit.ingest.baci import BaciBatch, BaciImport, import_baci_files
from exportkit.ingest.crawl import CrawlResult, SourceResult, run_crawl
from exportkit.ingest.customs import (
    CustomsBatch,
    CustomsImport,
    import_customs,
    import_customs_files,
    read_customs_csv,
)
from exportkit.ingest.fetch import FetchOutcome, MissingFetcher, missing_imports

__all__ = [
    "BaciBatch",
    "BaciImport",
    "CrawlResult",
    "CustomsBatch",
    "CustomsImport",
    "FetchOutcome",
    "MissingFetcher",
    "SourceResult",
    "import_baci_files",
    "import_customs",
    "import_customs_files",
    "missing_imports",
    "read_customs_csv",
    "run_crawl",
]
