"""What a tokenization request asks for: the block its serial names, its whole tonnes, its project
and vintage period. Pure reading of the request; InvalidInput naming the field when it is wrong."""

from __future__ import annotations

from datetime import date

from bridge.schemas import TokenizationCreate
from bridge.serials import SerialBlock, SerialError, parse_serial, units_per_tonne
from bridge.services.errors import InvalidInput


def parse(request: TokenizationCreate) -> SerialBlock:
    try:
        block = parse_serial(request.serial, registry=request.registry, quantity=request.quantity)
    except SerialError as err:
        field = "quantity" if err.field == "quantity" else "serial"
        raise InvalidInput(f"serial: {err}", field=field, serial_field=err.field) from err
    if block.opaque and "#" in request.serial:
        # Their units are numbered by the bridge (see serial_claims): only its own splits carry ranges.
        raise InvalidInput(
            "serial: this registry's serials carry no unit numbers: give the id and the quantity, "
            "not a range",
            field="serial",
            serial_field="range",
        )
    return block


# Serial unit numbers are stored as BIGINT, and PostgreSQL's exclusion constraint turns [start, end]
# into [start, end + 1), which must fit too.
MAX_UNIT_NUMBER = 2**63 - 2


def whole_tonnes(block: SerialBlock) -> int:
    """Tonnes in the block: most registries number tonnes, Isometric numbers kilograms."""
    if block.end > MAX_UNIT_NUMBER:
        raise InvalidInput(f"serial: unit numbers above {MAX_UNIT_NUMBER} are not supported", field="serial")
    per_tonne = units_per_tonne(block.registry)
    if block.quantity % per_tonne:
        raise InvalidInput(
            f"quantity: {block.quantity} units is not a whole number of tonnes ({per_tonne} units per tonne)",
            field="quantity",
        )
    return block.quantity // per_tonne


def project_id_of(block: SerialBlock, request: TokenizationCreate) -> str:
    given = request.project.project_id
    if block.project_id and given and given != block.project_id:
        raise InvalidInput(
            f"project.project_id {given!r} differs from the serial's {block.project_id!r}",
            field="project.project_id",
        )
    project_id = block.project_id or given
    if not project_id:
        raise InvalidInput(
            "this serial carries no project id: give project.project_id", field="project.project_id"
        )
    return project_id


def vintage_period(block: SerialBlock, request: TokenizationCreate) -> tuple[date, date]:
    start = block.vintage_start or request.vintage_start
    end = block.vintage_end or request.vintage_end
    if block.vintage_start and request.vintage_start and request.vintage_start != block.vintage_start:
        raise InvalidInput("vintage_start differs from the serial's", field="vintage_start")
    if block.vintage_end and request.vintage_end and request.vintage_end != block.vintage_end:
        raise InvalidInput("vintage_end differs from the serial's", field="vintage_end")
    if (start is None or end is None) and block.vintage_year is not None:
        start = start or date(block.vintage_year, 1, 1)
        end = end or date(block.vintage_year, 12, 31)
    if start is None or end is None:
        raise InvalidInput(
            "this serial carries no vintage: give vintage_start and vintage_end", field="vintage_start"
        )
    if end < start:
        raise InvalidInput("vintage_end is before vintage_start", field="vintage_end")
    year = block.vintage_year
    if year is not None and start.year != year and end.year != year:
        raise InvalidInput(
            f"vintage period {start}..{end} does not include the serial's year {year}", field="vintage_start"
        )
    return start, end
