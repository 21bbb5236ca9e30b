"""warta's configuration: the typed schema of warta.toml and how it is loaded."""

from warta.config.errors import ConfigError, WartaError
from warta.config.loader import check_writable_paths, load_config, locate_config, no_source_warning, parse_config
from warta.config.schema import (
    SNAPSHOT_FORMATS,
    SOURCE_KINDS,
    VERSION,
    CrawlerSettings,
    DaemonSettings,
    FeedSettings,
    JsonMapping,
    SnapshotConfig,
    SourceConfig,
    StorageSettings,
    TopicConfig,
    WartaConfig,
    WebSettings,
)

__all__ = [
    "SNAPSHOT_FORMATS",
    "SOURCE_KINDS",
    "VERSION",
    "ConfigError",
    "CrawlerSettings",
    "DaemonSettings",
    "FeedSettings",
    "JsonMapping",
    "SnapshotConfig",
    "SourceConfig",
    "StorageSettings",
    "TopicConfig",
    "WartaConfig",
    "WartaError",
    "WebSettings",
    "check_writable_paths",
    "load_config",
    "locate_config",
    "no_source_warning",
    "parse_config",
]
