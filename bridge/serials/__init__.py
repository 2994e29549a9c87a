"""Registry serial numbers: parse and validate them into typed blocks, and do range arithmetic.

Pure: no I/O. `parse_serial` reads the serial formats of Verra, Gold Standard, ACR, ART TREES,
the Climate Action Reserve, the CDM, Puro.earth and Cercarbono, and the ids of registries whose
serials carry no range (Isometric, CARB, J-Credit, CCER, Fujian FFCER); each format is
documented in its module.

A block's identity is not its spelling: `SerialBlock.space` is the numbering space (two blocks
of one registry share units exactly when their spaces are equal and their ranges intersect),
`SerialBlock.batch` and `SerialBlock.batch_attributes` the issuance batch and what must agree
about it across blocks. Each module's docstring says which parts key them, and why
(`identity.py` for the canonical forms).
"""

from bridge.serials.errors import SerialError
from bridge.serials.model import SerialBlock, units_per_tonne
from bridge.serials.parse import parse_serial
from bridge.serials.ranges import contains, merge, overlaps, partition, subtract, take

__all__ = [
    "SerialBlock",
    "SerialError",
    "contains",
    "merge",
    "overlaps",
    "parse_serial",
    "partition",
    "subtract",
    "take",
    "units_per_tonne",
]
