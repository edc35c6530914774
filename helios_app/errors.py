"""The one error type of Helios: what went wrong, where, and what to do."""


class HeliosError(Exception):
    """A user-facing error: bad input, a missing file, an impossible option.

    The message names the file, line or field at fault. The CLI prints it as
    ``helios: error: MESSAGE`` and exits non-zero.
    """
