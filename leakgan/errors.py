"""The one exception type that the command line turns into a single clear line."""


class UserError(Exception):
    """Bad input or configuration: printed as one line (no traceback), exit status 2."""
