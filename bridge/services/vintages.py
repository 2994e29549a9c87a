"""Projects and vintages: the off-chain catalogue that mirrors the factory's."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from bridge.catalog import REGISTRY_CODES, Category, Registry
from bridge.db import outbox
from bridge.db.locks import lock_key
from bridge.db.models import Project, Vintage
from bridge.db.pagination import Window, paginate
from bridge.schemas import LABEL_NAMES, ProjectAttributes
from bridge.services.errors import InvalidInput, NotFound
from bridge.units import to_hex

#: `session.info` key of the vintages a bulk chunk's transaction has ensured (`remember_vintages`).
ENSURED = "ensured_vintages"


def yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def project_id_bytes(project_id: str) -> bytes:
    raw = project_id.encode()
    if not raw or len(raw) > 32:
        raise InvalidInput("project_id must be 1 to 32 bytes", field="project.project_id")
    return raw.ljust(32, b"\0")


@lru_cache(maxsize=4096)  # every lock of a vintage asks again
def vintage_key(registry: int, project_id: str, start: date, end: date) -> str:
    """The factory's `vintageKey`: keccak(abi.encode(registry, projectId, start, end))."""
    encoded = encode(
        ["uint8", "bytes32", "uint32", "uint32"],
        [registry, project_id_bytes(project_id), yyyymmdd(start), yyyymmdd(end)],
    )
    return to_hex(keccak(encoded))


def symbol(vintage: Vintage) -> str:
    """The token symbol the contract derives (`VCS-1748-2016`)."""
    project = vintage.project
    years = str(vintage.vintage_start.year)
    if vintage.vintage_end.year != vintage.vintage_start.year:
        years += f"-{vintage.vintage_end.year}"
    return f"{REGISTRY_CODES[Registry(project.registry_id)]}-{project.project_id}-{years}"


def label_names(bits: int) -> list[str]:
    return sorted(name for name, label in LABEL_NAMES.items() if bits & int(label))


def ensure_vintage(
    session: Session,
    *,
    registry: Registry,
    project_id: str,
    attributes: ProjectAttributes,
    country: str | None,
    start: date,
    end: date,
    create_token: bool = True,
) -> Vintage:
    """The vintage row, created with its project (and queued for token creation) the first time.

    A known project must be described the same way again, and a known vintage with the same labels:
    both end up immutable on-chain. Labels may differ between vintages of one project, as registries
    attach them per batch or vintage (CORSIA eligibility by compliance phase, ICVCM CCP).

    With `create_token` false (a tokenization that waits for approval) the token is not queued: the
    first mint of the vintage queues it (`ensure_token`), so a request never approved leaves nothing
    on-chain.
    """
    key = vintage_key(int(registry), project_id, start, end)
    labels = attributes.label_bits()
    known: Vintage | None = session.info.get(ENSURED, {}).get(key)
    if known is not None:  # ensured earlier in this transaction: its rows are read
        _same_project(known.project, attributes, country)
        _same_labels(known, labels)
        if create_token:
            _queue_token(session, known)
        return known
    vintage = session.scalars(
        select(Vintage).where(Vintage.key == key).options(joinedload(Vintage.project))
    ).first()
    if vintage is not None:
        _same_project(vintage.project, attributes, country)
        _same_labels(vintage, labels)
        # Project and vintage rows never change once written, so a known vintage is read without its
        # lock: only queueing its token takes it, and the vintage's other tokenizations run in parallel.
        if create_token:
            _queue_token(session, vintage)
        return _remembered(session, key, vintage)
    lock_key(session, int(registry), f"vintage:{key}")
    project = session.scalars(
        select(Project).where(Project.registry_id == int(registry), Project.project_id == project_id)
    ).first()
    if project is None:
        project = Project(
            registry_id=int(registry),
            project_id=project_id,
            name=attributes.name,
            country=country,
            methodology=attributes.methodology,
            category=int(attributes.category),
            sectoral_scope=attributes.sectoral_scope,
            labels=labels,
        )
        session.add(project)
        session.flush()
    else:
        _same_project(project, attributes, country)

    vintage = session.scalars(select(Vintage).where(Vintage.key == key)).first()
    if vintage is None:
        vintage = Vintage(project=project, vintage_start=start, vintage_end=end, key=key, labels=labels)
        session.add(vintage)
        session.flush()
    else:
        _same_labels(vintage, labels)
        # Responses read the project after the commit: hand it over now rather than query again.
        set_committed_value(vintage, "project", project)
    if create_token:
        _queue_creation(session, vintage)
    return _remembered(session, key, vintage)


def _remembered(session: Session, key: str, vintage: Vintage) -> Vintage:
    if ENSURED in session.info:
        session.info[ENSURED][key] = vintage
    return vintage


def remember_vintages(session: Session) -> None:
    """From now until `forget_vintages`, `ensure_vintage` reads each vintage once: for a bulk chunk,
    whose one transaction holds every vintage lock it took until it commits."""
    session.info[ENSURED] = {}


def forget_vintages(session: Session) -> None:
    """After the transaction (or a savepoint that may have created a remembered vintage) ended."""
    session.info.pop(ENSURED, None)


def _same_labels(vintage: Vintage, labels: int) -> None:
    if vintage.labels != labels:
        raise InvalidInput(
            f"project.labels is {label_names(labels)} but vintage {symbol(vintage)} was bridged with "
            f"{label_names(vintage.labels)}; its token's labels are immutable",
            field="project.labels",
        )


def ensure_token(session: Session, vintage: Vintage) -> None:
    """Queues the creation of the vintage's token unless it exists or is queued already."""
    lock_key(session, vintage.project.registry_id, f"vintage:{vintage.key}")
    # Under the lock: another transaction may have queued it since this one read the row.
    session.refresh(vintage, ["token_address", "creation_item_pk"])
    _queue_creation(session, vintage)


def _queue_token(session: Session, vintage: Vintage) -> None:
    """`ensure_token` for a vintage read without its lock: nothing to do once it is queued."""
    if vintage.token_address is None and vintage.creation_item_pk is None:
        ensure_token(session, vintage)


def _queue_creation(session: Session, vintage: Vintage) -> None:
    """The caller holds the vintage's lock, so the token is queued once."""
    if vintage.token_address is not None or vintage.creation_item_pk is not None:
        return
    project = vintage.project
    creation = outbox.enqueue(
        session,
        "create_vintage",
        {
            "vintage_pk": vintage.id,
            "key": vintage.key,
            "attributes": {
                "registry": project.registry_id,
                "category": project.category,
                "sectoralScope": project.sectoral_scope,
                "labels": vintage.labels,
                "vintageStart": yyyymmdd(vintage.vintage_start),
                "vintageEnd": yyyymmdd(vintage.vintage_end),
                "country": (project.country or "").encode().ljust(2, b"\0").hex(),
                "projectId": project_id_bytes(project.project_id).hex(),
                "methodology": (project.methodology or "").encode()[:32].ljust(32, b"\0").hex(),
            },
        },
    )
    session.flush()
    vintage.creation_item_pk = creation.id


def _same_project(project: Project, attributes: ProjectAttributes, country: str | None) -> None:
    checks = [
        ("project.category", project.category, int(attributes.category)),
        ("project.sectoral_scope", project.sectoral_scope, attributes.sectoral_scope),
        ("project.methodology", project.methodology, attributes.methodology),
        ("project.country", project.country, country),
    ]
    for field, known, given in checks:
        if known != given:
            raise InvalidInput(
                f"{field} is {given!r} but project {project.project_id} was bridged with {known!r}",
                field=field,
            )


def list_projects(
    session: Session, *, registry: Registry | None, category: Category | None, limit: int, offset: int
) -> tuple[list[Project], int]:
    query = select(Project)
    if registry is not None:
        query = query.where(Project.registry_id == int(registry))
    if category is not None:
        query = query.where(Project.category == int(category))
    return paginate(session, query, Window(limit, offset), Project.id)


def list_vintages(
    session: Session,
    *,
    registry: Registry | None,
    project_id: str | None,
    year: int | None,
    limit: int,
    offset: int,
) -> tuple[list[Vintage], int]:
    query = select(Vintage).join(Project)
    if registry is not None:
        query = query.where(Project.registry_id == int(registry))
    if project_id is not None:
        query = query.where(Project.project_id == project_id)
    if year is not None:
        query = query.where(
            Vintage.vintage_start >= date(year, 1, 1), Vintage.vintage_start <= date(year, 12, 31)
        )
    return paginate(session, query, Window(limit, offset), Vintage.id)


def get(session: Session, vintage_id: int) -> Vintage:
    vintage = session.get(Vintage, vintage_id)
    if vintage is None:
        raise NotFound(f"no vintage {vintage_id}", field="vintage_id")
    return vintage


def vintage_count_of(session: Session, project: Project) -> int:
    return session.scalar(select(func.count()).where(Vintage.project_pk == project.id)) or 0
