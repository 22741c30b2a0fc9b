"""Vendor catalog (who exists, by which names) and vendor matching (who an article is about).

catalog = VendorCatalog.load(settings.vendors_file)
matcher = VendorMatcher.of(catalog)          # built once, kept with the catalog
matcher.match(article.title, article.body)   # -> [VendorMatch(vendor, SUBJECT|MENTION, score, hits)]
"""

from bot.intel.vendors.catalog import AliasKind, AliasRule, VendorCatalog, VendorRules
from bot.intel.vendors.matcher import VendorMatcher

__all__ = [
    "AliasKind",
    "AliasRule",
    "VendorCatalog",
    "VendorMatcher",
    "VendorRules",
]
