"""The one error type of Helios: what went wrong, where, and what to do."""


class HeliosError(Exception):
    """A user-facing error: bad input, a missing file, an impossible option.

    The message names the file, line or field at fault. The CLI prints it as
    ``helios: error: MESSAGE`` and exits non-zero.
    """


def shown(value: object) -> str:
    """``repr(value)`` as a user wrote it: numpy scalars (also inside lists and tuples) as plain numbers, so a
    message says ``[1.0, 2.0]``, never ``[np.float64(1.0), ...]``."""

    def plain(item: object) -> object:
        if isinstance(item, (list, tuple)):
            return type(item)(plain(part) for part in item)
        item_method = getattr(item, "item", None)
        if callable(item_method) and getattr(item, "shape", None) == ():
            return item_method()
        tolist = getattr(item, "tolist", None)
        return tolist() if callable(tolist) and hasattr(item, "shape") else item

    return repr(plain(value))
