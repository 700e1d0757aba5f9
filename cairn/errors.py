"""User-facing error types. Each carries one line that says what was wrong and what to do."""


class ConfigError(Exception):
    """A configuration value is invalid. Deliberately not a ValueError: tyro would reformat those into a
    multi-line box, while cairn's CLI prints this message as one line and exits with code 2."""
