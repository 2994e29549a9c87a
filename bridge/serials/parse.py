"""Serial text -> SerialBlock and back, over every registry's layout."""

from __future__ import annotations

from bridge.catalog import Registry
from bridge.serials.apx import ACR, ACR_DASH, ART, CAR
from bridge.serials.cdm import CDM
from bridge.serials.cercarbono import CERCARBONO
from bridge.serials.errors import SerialError
from bridge.serials.gold_standard import GOLD_STANDARD
from bridge.serials.identity import Identity, bounded
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.opaque import CARB, CCER, FUJIAN_FFCER, ISOMETRIC, J_CREDIT
from bridge.serials.puro import PURO, PURO_GSRN
from bridge.serials.values import check_quantity
from bridge.serials.verra import VERRA, VERRA_LEGACY

#: Every layout we read. The detectable ones have disjoint shapes, so at most one matches.
LAYOUTS: tuple[Layout, ...] = (
    VERRA,
    VERRA_LEGACY,
    GOLD_STANDARD,
    ACR,
    ACR_DASH,
    ART,
    CAR,
    CDM,
    PURO,
    PURO_GSRN,
    CERCARBONO,
    ISOMETRIC,
    CARB,
    J_CREDIT,
    CCER,
    FUJIAN_FFCER,
)


def parse_serial(text: str, *, registry: Registry | None = None, quantity: int | None = None) -> SerialBlock:
    """The block a serial describes.

    `registry=None` tells the registry from the text (J-Credit, CCER and Fujian FFCER ids are
    free text and need it given); a given registry must be the one whose format the text has.
    `quantity`, when given, must be the number of units the serial's range holds; serials
    without a range (opaque ids, bare Cercarbono serials) need it. Raises SerialError.
    """
    if not isinstance(text, str):
        raise SerialError("format", f"{text!r} is not text")
    text = text.strip()
    if not text:
        raise SerialError("format", "the serial is empty")
    if quantity is not None:
        check_quantity(quantity)
    detected = [(layout, m) for layout in LAYOUTS if layout.detectable and (m := layout.match(text))]

    if registry is None:
        if not detected:
            raise SerialError("format", f"{text!r} is in no known registry's serial format")
        if len(detected) > 1:  # cannot happen while the shapes stay disjoint
            names = " and ".join(layout.name for layout, _ in detected)
            raise SerialError("format", f"{text!r} reads as {names}")
        found, found_match = detected[0]
        return found.build(found_match, quantity)

    try:
        registry = Registry(registry)
    except ValueError:
        raise SerialError("registry", f"{registry!r} is not a registry id") from None
    own = [layout for layout in LAYOUTS if layout.registry is registry]
    elsewhere = [layout.name for layout, _ in detected if layout.registry is not registry]
    # "<id>#<start>-<end>" (how the bridge writes sub-ranges of opaque ids): the id, like a bare
    # one, must not be another registry's serial.
    if "#" in text:
        head = text.rpartition("#")[0]
        elsewhere += [
            layout.name
            for layout in LAYOUTS
            if layout.detectable and layout.registry is not registry and layout.match(head)
        ]
    if elsewhere:
        raise SerialError("registry", f"{text!r} reads as {elsewhere[0]}, not {own[0].name}")
    for layout in own:
        if match := layout.match(text):
            return layout.build(match, quantity)
    raise SerialError("registry", f"{text!r} is not in the {own[0].name} format")


def render(block: SerialBlock) -> str:
    """The serial text of a block (what `SerialBlock.serial` returns)."""
    layout = layout_of(block)
    try:
        text = layout.render(block)
    except (KeyError, ValueError):  # a hand-made block whose issuance has another shape
        text = ""
    if not layout.match(text):
        raise SerialError("issuance", f"{block.issuance!r} is not a {layout.name} issuance")
    return text


def layout_of(block: SerialBlock) -> Layout:
    """The layout that writes `block`."""
    for layout in LAYOUTS:
        if layout.renders(block):
            return layout
    raise SerialError("registry", f"no serial layout writes {block.registry.name} blocks")


def identity(block: SerialBlock) -> Identity:
    """The space, batch and batch attributes of a block (what `SerialBlock.space` etc. return)."""
    layout = layout_of(block)
    try:
        found = layout.identity(block)
    except (KeyError, ValueError):  # a hand-made block without the fields its layout reads
        raise SerialError("issuance", f"{block.issuance!r} is not a {layout.name} issuance") from None
    return Identity(bounded(found.space), bounded(found.batch), found.attributes)
