"""The one error the serials package raises for bad input."""

from __future__ import annotations


class SerialError(ValueError):
    """A serial, range or quantity that is refused; `field` names the part that is wrong.

    `str(err)` is `"<field>: <message>"`, e.g. `"block_end: 100 is before block_start 200"`.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[SerialError], tuple[str, str]]:
        # The default pickling would call SerialError(str(err)) and miss an argument.
        return (type(self), (self.field, self.message))
