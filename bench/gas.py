"""Gas of each user-facing operation: ours, a plain OpenZeppelin ERC-20 doing the nearest equivalent
(deployed and measured in the same run), the EVM floor worked out from the storage writes the operation
cannot avoid, and the peer's published figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eth_utils import keccak, to_checksum_address

from bench.chain import BRIDGE, BenchChain, attributes
from bridge.catalog import Label
from bridge.units import TONNE
from tests.support.deploying import ANVIL_ACCOUNTS

DEPLOYER, ALICE, BOB = ANVIL_ACCOUNTS[0], ANVIL_ACCOUNTS[3], ANVIL_ACCOUNTS[4]

# EVM costs (Berlin/London/Cancun): EIP-2929 cold access, EIP-2200/3529 SSTORE, logs, calldata.
TX = 21_000
COLD_SLOAD = 2_100
SET = 20_000 + COLD_SLOAD  # zero -> non-zero, cold slot
RESET = 2_900 + COLD_SLOAD  # non-zero -> non-zero, cold slot
WARM_RESET = 2_900  # non-zero -> non-zero, a slot the operation reads anyway
DIRTY_WRITE = 100  # a slot written already in the same transaction
COLD_ACCOUNT = 2_600  # a call into another contract
CREATE = 32_000
CODE_BYTE = 200


def log(topics: int, data_words: int) -> int:
    return 375 + 375 * topics + 8 * 32 * data_words


TRANSFER_LOG = log(3, 1)


def calldata_cost(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


#: The peer's tokenize, for the ">= 5x cheaper" target.
PEER_TOKENIZE = 575_787

#: What the mint cost before the mint governor (issue 14), measured by `make bench` at commit ed35cf9.
BEFORE_GOVERNOR = {"single mint, new holder": 90_820, "per mint in a batch of 50": 54_242}
#: Issue 14's targets for the mint with the governor.
GOVERNOR_TARGETS = {"single mint, new holder": 100_000, "per mint in a batch of 50": 57_000}

# The governor's writes in a mint: the factory's slot (pause flag, overall window, limits), read cold and
# written; the vintage's window, packed into the vintage's slot the mint reads anyway (is it one of ours?),
# written once more. A batch writes the factory slot once and each vintage's slot once, then as dirty.
GOVERNOR_OVERALL_WINDOW = COLD_SLOAD + WARM_RESET
GOVERNOR_VINTAGE_WINDOW = WARM_RESET


def governor_floor_per_mint(batch: int, vintages: int = 1) -> float:
    """The governor's storage gas per tokenization in a `mintBatch` of `batch` orders over `vintages`."""
    writes = GOVERNOR_OVERALL_WINDOW + vintages * GOVERNOR_VINTAGE_WINDOW + (batch - vintages) * DIRTY_WRITE
    return writes / batch


# Toucan's contracts, solc 0.8.14, full-transaction gas on a local EVM (issue 6).
PEER = {
    "create vintage token": "567,000–584,000 (deploy a TCO2)",
    "tokenization mint, new holder": "575,787–609,987 (tokenize a batch)",
    "transfer, new holder": "85,478",
    "transfer, existing holder": "68,378",
    "retire with certificate": "477,714 (retire: 215,422)",
    "pool deposit, new pool holder": "273,403–358,903",
    "pool redeem, chosen vintage": "333,169",
}


@dataclass
class Row:
    operation: str
    ours: int
    baseline: int | None
    baseline_what: str
    floor: int
    floor_parts: dict[str, int]
    peer: str = ""
    target: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def vs_baseline(self) -> float | None:
        return round(self.ours / self.baseline, 3) if self.baseline else None

    @property
    def vs_floor(self) -> float:
        return round(self.ours / self.floor, 3)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "vs_baseline": self.vs_baseline, "vs_floor": self.vs_floor}


def floor(tx_input: bytes, **parts: int) -> tuple[int, dict[str, int]]:
    items = {"intrinsic": TX, "calldata": calldata_cost(tx_input), **parts}
    return sum(items.values()), items


def _input(chain: BenchChain, receipt: Any) -> bytes:
    return bytes(chain.w3.eth.get_transaction(receipt["transactionHash"])["input"])


def fresh(n: int) -> str:
    return to_checksum_address(keccak(text=f"bench-holder-{n}")[-20:])


def measure(chain: BenchChain) -> tuple[list[Row], dict[int, dict[str, int]]]:
    """The table rows, and the gas of one `mintBatch` at each batch size."""
    c = chain.chain
    factory = c.factory
    rows: list[Row] = []
    lock = iter(range(1, 10**9))

    def lock_id() -> bytes:
        return keccak(text=f"bench-lock-{next(lock)}")

    # --- the plain OpenZeppelin ERC-20, same compiler settings, same chain -----------------------
    plain, deployed = chain.deploy_artifact("PlainERC20", DEPLOYER)
    oz: dict[str, int] = {"deploy": deployed["gasUsed"]}
    # Every case after a first mint elsewhere: the supply is not zero, as for any live token.
    chain.send(DEPLOYER, plain.functions.mint(DEPLOYER[0], TONNE))
    oz["mint new"] = chain.send(DEPLOYER, plain.functions.mint(ALICE[0], 100 * TONNE))["gasUsed"]
    oz["mint existing"] = chain.send(DEPLOYER, plain.functions.mint(ALICE[0], 100 * TONNE))["gasUsed"]
    oz["transfer new"] = chain.send(ALICE, plain.functions.transfer(fresh(1), TONNE))["gasUsed"]
    chain.send(ALICE, plain.functions.transfer(BOB[0], TONNE))
    oz["transfer existing"] = chain.send(ALICE, plain.functions.transfer(BOB[0], TONNE))["gasUsed"]
    oz["burn"] = chain.send(ALICE, plain.functions.burn(TONNE))["gasUsed"]
    chain.send(ALICE, plain.functions.approve(BOB[0], 10 * TONNE))
    oz["transferFrom new"] = chain.send(BOB, plain.functions.transferFrom(ALICE[0], fresh(2), TONNE))[
        "gasUsed"
    ]
    oz["transferFrom existing"] = chain.send(BOB, plain.functions.transferFrom(ALICE[0], BOB[0], TONNE))[
        "gasUsed"
    ]

    # --- ours ------------------------------------------------------------------------------------
    # Not the first vintage of the registry, nor the first mint of the vintage: the usual case.
    chain.send(BRIDGE, factory.functions.createVintage(attributes("1339")))
    created = chain.send(
        BRIDGE, factory.functions.createVintage(attributes("1340", labels=int(Label.CORSIA_ELIGIBLE)))
    )
    vintage_address = factory.events.VintageCreated().process_receipt(created)[0]["args"]["vintage"]
    vintage = c.vintage(vintage_address)
    clone_size = len(chain.w3.eth.get_code(vintage_address))
    total, parts = floor(
        _input(chain, created),
        create2=CREATE,
        code_deposit=CODE_BYTE * clone_size,
        vintage_registered=SET,
        catalogue_entry=SET + RESET,  # list element + length
        event=log(2, 0),
    )
    rows.append(
        Row(
            "create vintage token",
            created["gasUsed"],
            oz["deploy"],
            "deploy a plain OZ ERC-20",
            total,
            parts,
            PEER["create vintage token"],
            "< 200,000",
            {"clone_bytes": clone_size},
        )
    )

    def mint(to: str, tonnes: int = 100) -> Any:
        return chain.send(
            BRIDGE, factory.functions.mint(vintage_address, to, tonnes * TONNE, lock_id(), b"\x01" * 32)
        )

    mint(DEPLOYER[0])
    for who, to, oz_key, holder_write in (
        ("new holder", ALICE[0], "mint new", SET),
        ("existing holder", ALICE[0], "mint existing", RESET),
    ):
        receipt = mint(to)
        total, parts = floor(
            _input(chain, receipt),
            holder_balance=holder_write,
            total_supply=RESET,
            lock_minted_once=SET,
            governor_overall_window=GOVERNOR_OVERALL_WINDOW,
            governor_vintage_window=GOVERNOR_VINTAGE_WINDOW,
            transfer_event=TRANSFER_LOG,
        )
        rows.append(
            Row(
                f"tokenization mint, {who}",
                receipt["gasUsed"],
                oz[oz_key],
                f"OZ mint, {who}",
                total,
                parts,
                PEER.get(f"tokenization mint, {who}", ""),
                "<= 1.15x floor; >= 5x cheaper than the peer's tokenize",
            )
        )

    batches: dict[int, dict[str, int]] = {}
    for size in (1, 10, 50, 100):
        orders = [
            (vintage_address, fresh(1000 + size * 1000 + i), TONNE, lock_id(), b"\x01" * 32)
            for i in range(size)
        ]
        receipt = chain.send(BRIDGE, factory.functions.mintBatch(orders))
        batches[size] = {"total": receipt["gasUsed"], "per_tokenization": receipt["gasUsed"] // size}

    for who, to, oz_key, to_write in (
        ("new holder", fresh(3), "transfer new", SET),
        ("existing holder", BOB[0], "transfer existing", RESET),
    ):
        if who == "existing holder":
            chain.send(ALICE, vintage.functions.transfer(BOB[0], TONNE))
        receipt = chain.send(ALICE, vintage.functions.transfer(to, TONNE))
        total, parts = floor(
            _input(chain, receipt),
            sender_balance=RESET,
            recipient_balance=to_write,
            transfer_event=TRANSFER_LOG,
        )
        rows.append(
            Row(
                f"transfer, {who}",
                receipt["gasUsed"],
                oz[oz_key],
                f"OZ transfer, {who}",
                total,
                parts,
                PEER[f"transfer, {who}"],
                "<= 1.05x plain OZ",
            )
        )

    # Retire with a certificate: a beneficiary who never held one, a short name and reason. Not the first
    # certificate ever (that one also sets the issued counter from zero): the usual case, as the floor says.
    first = chain.send(ALICE, vintage.functions.retire(TONNE, fresh(5), "First", 0, ""))
    receipt = chain.send(
        ALICE,
        vintage.functions.retire(2 * TONNE, fresh(4), "Acme Coffee Roasters", 0, "2026 roastery emissions"),
    )
    total, parts = floor(
        _input(chain, receipt),
        holder_balance=RESET,
        total_supply=RESET,
        call_certificate=COLD_ACCOUNT,
        certificate_owner=SET,
        certificate_owner_balance=SET,
        certificates_issued=RESET,
        record_vintage_time_reason=SET,
        record_beneficiary_amount=SET,
        record_details_hash=SET,
        events=TRANSFER_LOG + log(4, 0) + log(3, 8),
    )
    # The texts are not stored, only their hash: a long reason costs calldata and log bytes, not slots.
    long_text = chain.send(
        ALICE, vintage.functions.retire(TONNE, fresh(6), "Acme Coffee Roasters", 0, "x" * 500)
    )
    rows.append(
        Row(
            "retire with certificate",
            receipt["gasUsed"],
            oz["burn"],
            "OZ burn",
            total,
            parts,
            PEER["retire with certificate"],
            "< 200,000",
            {"first certificate ever": first["gasUsed"], "500-byte reason text": long_text["gasUsed"]},
        )
    )

    receipt = chain.send(ALICE, vintage.functions.redeem(3 * TONNE, "VERRA-ACCT-4411"))
    total, parts = floor(
        _input(chain, receipt), holder_balance=RESET, total_supply=RESET, events=TRANSFER_LOG + log(2, 3)
    )
    rows.append(Row("redemption request", receipt["gasUsed"], oz["burn"], "OZ burn", total, parts, "", ""))

    # Pools: CET takes CORSIA-eligible vintages. First deposit of the vintage (Alice), then a new pool holder.
    cet = c.pools["CET"]
    chain.send(ALICE, vintage.functions.approve(cet.address, 2**255))
    chain.send(ALICE, vintage.functions.transfer(BOB[0], 50 * TONNE))
    chain.send(BOB, vintage.functions.approve(cet.address, 2**255))
    first = chain.send(ALICE, cet.functions.deposit(vintage_address, 10 * TONNE))
    receipt = chain.send(BOB, cet.functions.deposit(vintage_address, 5 * TONNE))
    deposit_baseline = oz["transferFrom existing"] + oz["mint new"] - TX
    total, parts = floor(
        _input(chain, receipt),
        call_vintage=COLD_ACCOUNT,
        holder_vintage_balance=RESET,
        pool_vintage_balance=RESET,
        pool_token_balance=SET,
        pool_token_supply=RESET,
        events=2 * TRANSFER_LOG + log(3, 1),
    )
    rows.append(
        Row(
            "pool deposit, new pool holder",
            receipt["gasUsed"],
            deposit_baseline,
            "OZ transferFrom + OZ mint (one intrinsic)",
            total,
            parts,
            PEER["pool deposit, new pool holder"],
            "< 120,000",
            {"first deposit of a vintage": first["gasUsed"]},
        )
    )

    # Redemptions name the fee the redeemer saw: the pool refuses to charge more.
    fee_bps = cet.functions.feeBps().call()
    receipt = chain.send(BOB, cet.functions.redeem(vintage_address, TONNE, fee_bps))
    redeem_baseline = oz["burn"] + oz["transfer existing"] - TX
    total, parts = floor(
        _input(chain, receipt),
        call_vintage=COLD_ACCOUNT,
        pool_token_balance=RESET,
        pool_token_supply=RESET,
        fee_recipient_balance=SET,
        pool_vintage_balance=RESET,
        holder_vintage_balance=RESET,
        events=3 * TRANSFER_LOG + log(3, 2),
    )
    oldest = chain.send(BOB, cet.functions.redeemOldest(TONNE, fee_bps))
    rows.append(
        Row(
            "pool redeem, chosen vintage",
            receipt["gasUsed"],
            redeem_baseline,
            "OZ burn + OZ transfer (one intrinsic)",
            total,
            parts,
            PEER["pool redeem, chosen vintage"],
            "< 150,000",
            {"oldest first": oldest["gasUsed"]},
        )
    )
    return rows, batches


def governor_cost(rows: list[dict[str, Any]], batches: dict[Any, dict[str, int]]) -> list[dict[str, Any]]:
    """The mint before and with the governor: the change, the governor's storage gas in it, and the rest."""
    single = next(r["ours"] for r in rows if r["operation"] == "tokenization mint, new holder")
    batch_50 = (batches.get(50) or batches.get("50") or {})["per_tokenization"]
    storage = {
        "single mint, new holder": (
            GOVERNOR_OVERALL_WINDOW + GOVERNOR_VINTAGE_WINDOW,
            f"{COLD_SLOAD:,} + {WARM_RESET:,} (factory slot: cold read, write)"
            f" + {WARM_RESET:,} (vintage slot: write)",
        ),
        "per mint in a batch of 50": (
            round(governor_floor_per_mint(50)),
            f"({COLD_SLOAD:,} + {WARM_RESET:,} + {WARM_RESET:,} + 49 × {DIRTY_WRITE}) / 50",
        ),
    }
    out = []
    for what, now in (("single mint, new holder", single), ("per mint in a batch of 50", batch_50)):
        before = BEFORE_GOVERNOR[what]
        writes, arithmetic = storage[what]
        out.append(
            {
                "mint": what,
                "before": before,
                "now": now,
                "change": now - before,
                "governor_storage": writes,
                "governor_storage_arithmetic": arithmetic,
                "rest": now - before - writes,
                "target": GOVERNOR_TARGETS[what],
            }
        )
    return out
