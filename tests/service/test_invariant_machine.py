"""A hypothesis state machine against the running bridge: random sequences of operators bridging
serials (fresh, overlapping, released and replayed requests, some sent concurrently) and holders
using their wallets (transfer, GNT pool deposit and redeem, retire whole and fractional amounts,
redeem to a registry account). After every step, once the bridge has caught up with the chain:

- `GET /reserves` is balanced for every vintage;
- no two held locks of an issuance overlap, and they hold exactly the serials the model bridged
  and did not see released;
- every minted tokenization's lock id minted exactly once on-chain (`Tokenized` events, and
  `factory.lockOrder` holds that order's hash), for its amount and beneficiary, and no mint has no
  tokenization;
- per vintage, locked tonnes less the accrued retired fraction equal `totalSupply()`, and the
  retirements add up to what the model burned (whole tonnes retired, the rest accrued);
- every balance the model expects (holders, the pool's reserve and pool tokens) is on-chain.

`BRIDGE_STATEFUL_EXAMPLES` (default 5) and `BRIDGE_STATEFUL_STEPS` (default 15) bound the run.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from bridge.catalog import Registry
from bridge.chain.orders import order_hash
from bridge.deployment import MINIMUM_RETIREMENT
from bridge.serials import parse_serial
from bridge.units import TONNE
from tests.support.deploying import ANVIL_ACCOUNTS
from tests.support.payloads import BALE_MOUNTAINS
from tests.support.service import BridgeUnderTest

EXAMPLES = int(os.environ.get("BRIDGE_STATEFUL_EXAMPLES", "5"))
STEPS = int(os.environ.get("BRIDGE_STATEFUL_STEPS", "15"))
HOLDERS = (3, 4, 5)
ADDRESS = {i: ANVIL_ACCOUNTS[i][0] for i in range(len(ANVIL_ACCOUNTS))}
ZERO_ADDRESS = "0x" + "00" * 20

# Two issuances of the Bale Mountains project, vintages 2020 and 2021: two vintage tokens.
ISSUANCES = {"A": (19385, 2020), "B": (21907, 2021)}
SYMBOL = {name: f"VCS-1340-{year}" for name, (_, year) in ISSUANCES.items()}


def serial(issuance: str, start: int, end: int) -> str:
    batch, year = ISSUANCES[issuance]
    return f"{batch}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-0101{year}-3112{year}-1"


ISSUANCE_OF = {parse_serial(serial(n, 1, 1), registry=Registry.VERRA).issuance: n for n in ISSUANCES}

# Fresh ranges come from one counter for the whole module: every example asks for serials nobody
# holds, since the bridge and the chain outlive each example.
_slots = itertools.count()
_keys = itertools.count()

#: database -> rule (or check) -> times run; printed at the end of the module.
RUNS: dict[str, Counter[str]] = {}


# The bridge and the chain outlive each example, so what a step can do depends on earlier examples.
# Hypothesis needs the same draws for the same choices: every rule draws a fixed shape (an index, a
# share in basis points) and applies it to the current state, and does nothing when nothing applies.
PICK = st.integers(0, 2**16)
#: The selector of the certificate's refusal of a retirement below the minimum (dust).
BELOW_MINIMUM = Web3.keccak(text="CertificateBelowMinimum(uint256,uint256)")[:4].hex()
SHARE = st.one_of(st.integers(1, 9_999), st.just(10_000), st.just(0))  # of a balance; 0: one unit


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)]


def share_of(total: int, share: int) -> int:
    return total if share >= 10_000 else max(1, total * share // 10_000)


def fresh_range(quantity: int) -> tuple[int, int]:
    start = 60_000_001 + next(_slots) * 1_000
    return start, start + quantity - 1


def units(start: int, end: int) -> set[int]:
    return set(range(start, end + 1))


def all_pages(bridge: BridgeUnderTest, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = bridge.get(path, limit=500, offset=len(items), **params)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items


@pytest.fixture(scope="module", autouse=True)
def steps_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not RUNS:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        for database, runs in RUNS.items():
            examples, checks = runs["examples"], runs["checks"]
            reporter.write_line("")
            reporter.write_line(
                f"state machine on {database}: {examples} examples, {checks - examples} steps "
                f"(each followed by the invariant checks)"
            )
            for name, n in sorted(runs.items()):
                if name not in ("examples", "checks"):
                    reporter.write_line(f"  {name:<40} {n:>5}")


def test_random_operations_keep_every_token_backed(bridge: BridgeUnderTest, database_url: str) -> None:
    counts = RUNS.setdefault(database_url.split(":", 1)[0].split("+")[0], Counter())
    chain = bridge.chain
    w3 = chain.w3
    gnt = chain.pools["GNT"]
    fee_bps = int(gnt.functions.feeBps().call())
    fee_recipient = gnt.functions.feeRecipient().call()
    pool_accounts = sorted({*(ADDRESS[i] for i in HOLDERS), fee_recipient})
    deployed_at = int(bridge.deployment["block"])

    def token(symbol: str) -> Contract | None:
        for v in all_pages(bridge, "/vintages", registry="verra"):
            if v["symbol"] == symbol and v["token_address"]:
                return chain.vintage(v["token_address"])
        return None

    def catch_up(timeout: float = 90.0) -> dict[str, Any]:
        """Waits until no mint is pending and the listener has read up to the chain's head."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            head = w3.eth.block_number
            pending = bridge.get("/tokenizations", status="pending").json()["total"]
            reserves: dict[str, Any] = bridge.get("/reserves").json()
            at = reserves["at_block"]
            if pending == 0 and at is not None and at >= head and w3.eth.block_number == head:
                return reserves
            time.sleep(0.1)
        raise AssertionError(f"the bridge did not catch up with the chain\n{bridge.log()}")

    class BridgeMachine(RuleBasedStateMachine):
        """The model: what each wallet and the pool should hold, which serials the bridge holds."""

        def __init__(self) -> None:
            super().__init__()
            self.tokens: dict[str, Contract] = {}
            self.balances: Counter[tuple[str, int]] = Counter()  # (symbol, holder) -> wei
            self.reserve: Counter[str] = Counter()  # symbol -> wei of it in the GNT pool
            self.pool_tokens: Counter[str] = Counter()  # address -> GNT
            self.retired_wei: Counter[str] = Counter()  # symbol -> wei retired, ever
            self.held: dict[str, set[int]] = {n: set() for n in ISSUANCES}  # bridged, not released
            self.released: dict[str, set[int]] = {n: set() for n in ISSUANCES}
            self.redemptions_seen: set[int] = set()
            self.redeemed: dict[str, tuple[str, int, str]] = {}  # tx -> (symbol, tonnes, account)
            self.requests: list[tuple[dict[str, Any], str]] = []  # (body, tokenization id)

        # -- the model starts from what the bridge and the chain hold now ---------------------

        @initialize(
            holders=st.tuples(*[st.sampled_from(HOLDERS)] * len(ISSUANCES)), quantity=st.integers(1, 20)
        )
        def start_from_the_current_state(self, holders: tuple[int, ...], quantity: int) -> None:
            """Reads what the bridge and the chain hold now, then bridges a fresh block of each
            issuance so that wallets have something to use from the first step."""
            counts["examples"] += 1
            catch_up()
            for symbol in SYMBOL.values():
                self._learn_token(symbol, existing=True)
            for lock in all_pages(bridge, "/locks"):
                self.held[self._issuance(lock["serial"])] |= units(lock["block_start"], lock["block_end"])
            for r in all_pages(bridge, "/retirements"):
                self.retired_wei[self._symbol_of(r["vintage_id"])] += int(r["amount_wei"])
            self.redemptions_seen = {r["id"] for r in all_pages(bridge, "/redemptions")}
            for address in pool_accounts:
                self.pool_tokens[address] = gnt.functions.balanceOf(address).call()
            for issuance, holder in zip(sorted(ISSUANCES), holders, strict=True):
                start, end = fresh_range(quantity)
                body = self._body(issuance, start, end, holder)
                response = bridge.post("/tokenizations", body)
                assert response.status_code == 201, response.text
                self._accepted(issuance, body, response.json())

        def _learn_token(self, symbol: str, *, existing: bool = False) -> None:
            """Starts following a vintage token: from its balances now if it existed when the example
            began, else from the model's own account of it (all its mints are this example's)."""
            if symbol in self.tokens:
                return
            contract = token(symbol)
            if contract is None:
                return
            self.tokens[symbol] = contract
            if existing:
                for holder in HOLDERS:
                    self.balances[(symbol, holder)] = contract.functions.balanceOf(ADDRESS[holder]).call()
                self.reserve[symbol] = contract.functions.balanceOf(gnt.address).call()

        def _issuance(self, text: str) -> str:
            return ISSUANCE_OF[parse_serial(text, registry=Registry.VERRA).issuance]

        def _symbol_of(self, vintage_id: int) -> str:
            return str(bridge.get(f"/vintages/{vintage_id}").json()["symbol"])

        def _holdings(self, minimum: int = 1) -> list[tuple[str, int]]:
            return sorted(k for k, wei in self.balances.items() if wei >= minimum and k[0] in self.tokens)

        # -- operators: lock + mint -----------------------------------------------------------

        def _body(self, issuance: str, start: int, end: int, holder: int) -> dict[str, Any]:
            return {
                "idempotency_key": f"machine-{next(_keys)}",
                "registry": "verra",
                "serial": serial(issuance, start, end),
                "beneficiary": ADDRESS[holder],
                "project": BALE_MOUNTAINS,
            }

        def _expect(self, issuance: str, start: int, end: int) -> int:
            # Verra numbers units registry-wide: a unit held under either issuance is taken.
            held = set().union(*self.held.values())
            return 409 if units(start, end) & held else 201

        def _accepted(self, issuance: str, body: dict[str, Any], created: dict[str, Any]) -> None:
            block = parse_serial(body["serial"], registry=Registry.VERRA)
            assert created["serial"] == body["serial"] and created["quantity"] == block.end - block.start + 1
            assert created["beneficiary"] == body["beneficiary"] and created["status"] == "pending"
            holder = next(i for i in HOLDERS if ADDRESS[i] == body["beneficiary"])
            self.held[issuance] |= units(block.start, block.end)
            self.released[issuance] -= units(block.start, block.end)
            self.balances[(SYMBOL[issuance], holder)] += created["quantity"] * TONNE
            self.requests.append((body, created["id"]))

        def _refused_as_overlap(self, issuance: str, body: dict[str, Any], response: Any) -> None:
            assert response.status_code == 409, response.text
            detail = response.json()["detail"]
            assert detail["field"] == "serial", detail
            conflict = detail["conflicting_lock"]
            block = parse_serial(body["serial"], registry=Registry.VERRA)
            assert self._issuance(conflict["serial"]) in ISSUANCES, detail
            assert conflict["block_start"] <= block.end and block.start <= conflict["block_end"], detail

        @rule(
            issuance=st.sampled_from(sorted(ISSUANCES)),
            kind=st.sampled_from(["fresh", "overlapping", "released", "adjacent"]),
            holder=st.sampled_from(HOLDERS),
            quantity=st.integers(1, 20),
            index=PICK,
        )
        def lock_and_mint(self, issuance: str, kind: str, holder: int, quantity: int, index: int) -> None:
            held = sorted(self.held[issuance])
            free_again = self.released[issuance] - self.held[issuance]
            if kind == "overlapping" and held:
                start = pick(held, index) - index % quantity
                end = start + quantity - 1
            elif kind == "released" and free_again:
                start = pick(sorted(free_again), index)
                end = start
                while end + 1 in free_again and end - start + 1 < quantity:
                    end += 1
            elif kind == "adjacent" and held:
                start = held[-1] + 1
                end = start + quantity - 1
            else:
                kind = "fresh"
                start, end = fresh_range(quantity)
            counts[f"lock_and_mint ({kind})"] += 1
            body = self._body(issuance, start, end, holder)
            expected = self._expect(issuance, start, end)
            response = bridge.post("/tokenizations", body)
            if expected == 201:
                assert response.status_code == 201, response.text
                self._accepted(issuance, body, response.json())
            else:
                self._refused_as_overlap(issuance, body, response)

        @rule(index=PICK, same=st.booleans())
        def replay_a_request(self, index: int, same: bool) -> None:
            """The same idempotency key: the same request answers 200 with the first result and
            mints nothing; a different request under it is refused naming the key."""
            if not self.requests:
                counts["replay (nothing to do)"] += 1
                return
            body, tokenization_id = pick(self.requests, index)
            if same:
                counts["replay (same request)"] += 1
                response = bridge.post("/tokenizations", body)
                assert response.status_code == 200, response.text
                assert response.json()["id"] == tokenization_id
            else:
                counts["replay (other request, same key)"] += 1
                other = next(a for a in HOLDERS if ADDRESS[a] != body["beneficiary"])
                response = bridge.post("/tokenizations", {**body, "beneficiary": ADDRESS[other]})
                assert response.status_code == 409, response.text
                assert response.json()["detail"]["field"] == "idempotency_key"

        @rule(
            issuance=st.sampled_from(sorted(ISSUANCES)),
            holder=st.sampled_from(HOLDERS),
            quantity=st.integers(1, 20),
            copies=st.integers(2, 4),
            same_key=st.booleans(),
        )
        def concurrent_requests(
            self, issuance: str, holder: int, quantity: int, copies: int, same_key: bool
        ) -> None:
            """Several requests for one fresh block at once: with one idempotency key exactly one
            201 and the rest 200 with its id; with distinct keys exactly one 201, the rest 409."""
            counts[f"concurrent ({'same key' if same_key else 'distinct keys'})"] += 1
            start, end = fresh_range(quantity)
            first = self._body(issuance, start, end, holder)
            bodies = [first if same_key else {**first, "idempotency_key": f"machine-{next(_keys)}"}]
            bodies += [
                first if same_key else self._body(issuance, start, end, holder) for _ in range(copies - 1)
            ]
            with ThreadPoolExecutor(len(bodies)) as pool:
                responses = list(pool.map(lambda b: bridge.post("/tokenizations", b), bodies))
            codes = sorted(r.status_code for r in responses)
            assert codes == sorted([201] + [200 if same_key else 409] * (copies - 1)), [
                r.text for r in responses
            ]
            winner = next(i for i, r in enumerate(responses) if r.status_code == 201)
            if same_key:
                assert {r.json()["id"] for r in responses} == {responses[winner].json()["id"]}
            else:
                for i, r in enumerate(responses):
                    if i != winner:
                        assert (
                            r.json()["detail"]["conflicting_lock"]["tokenization_id"]
                            == responses[winner].json()["id"]
                        )
            self._accepted(issuance, bodies[winner], responses[winner].json())

        # -- holders: their wallets -----------------------------------------------------------

        @rule(index=PICK, to_index=PICK, share=SHARE)
        def transfer(self, index: int, to_index: int, share: int) -> None:
            if not self._holdings():
                counts["transfer (nothing to do)"] += 1
                return
            symbol, sender = pick(self._holdings(), index)
            to = pick([h for h in HOLDERS if h != sender], to_index)
            amount = share_of(self.balances[(symbol, sender)], share)
            counts["transfer"] += 1
            bridge.transact(sender, self.tokens[symbol].functions.transfer(ADDRESS[to], amount))
            self.balances[(symbol, sender)] -= amount
            self.balances[(symbol, to)] += amount

        @rule(index=PICK, share=SHARE)
        def pool_deposit(self, index: int, share: int) -> None:
            if not self._holdings():
                counts["pool deposit (nothing to do)"] += 1
                return
            symbol, holder = pick(self._holdings(), index)
            amount = share_of(self.balances[(symbol, holder)], share)
            counts["pool deposit (GNT)"] += 1
            token_ = self.tokens[symbol]
            bridge.transact(holder, token_.functions.approve(gnt.address, amount))
            bridge.transact(holder, gnt.functions.deposit(token_.address, amount))
            self.balances[(symbol, holder)] -= amount
            self.reserve[symbol] += amount
            self.pool_tokens[ADDRESS[holder]] += amount

        @rule(index=PICK, vintage_index=PICK, share=SHARE)
        def pool_redeem(self, index: int, vintage_index: int, share: int) -> None:
            redeemers = [h for h in HOLDERS if self.pool_tokens[ADDRESS[h]] >= 2]
            reserves = sorted(s for s in self.tokens if self.reserve[s])
            if not redeemers or not reserves:
                counts["pool redeem (nothing to do)"] += 1
                return
            holder, symbol = pick(redeemers, index), pick(reserves, vintage_index)
            amount = max(2, share_of(self.pool_tokens[ADDRESS[holder]], share))
            fee = -(-amount * fee_bps // 10_000)  # rounded up
            while amount - fee > self.reserve[symbol]:  # no more than the pool holds of that vintage
                amount = self.reserve[symbol] + fee
                fee = -(-amount * fee_bps // 10_000)
            if amount <= fee:
                counts["pool redeem (nothing to do)"] += 1
                return
            counts["pool redeem (GNT)"] += 1
            bridge.transact(holder, gnt.functions.redeem(self.tokens[symbol].address, amount, fee_bps))
            self.pool_tokens[ADDRESS[holder]] -= amount
            self.pool_tokens[fee_recipient] += fee
            self.reserve[symbol] -= amount - fee
            self.balances[(symbol, holder)] += amount - fee

        @rule(
            index=PICK,
            whole=st.booleans(),
            share=SHARE,
            fraction=st.sampled_from([0, TONNE // 4, TONNE // 2, 3 * TONNE // 2]),
            reason=st.integers(0, 4),
        )
        def retire(self, index: int, whole: bool, share: int, fraction: int, reason: int) -> None:
            """Whole tonnes, or an amount with a fraction of a tonne (a quarter, a half, one and a
            half, or a share of the balance down to one wei)."""
            if not self._holdings():
                counts["retire (nothing to do)"] += 1
                return
            symbol, holder = pick(self._holdings(), index)
            balance = self.balances[(symbol, holder)]
            if whole and balance >= TONNE:
                amount = share_of(balance // TONNE, share) * TONNE
            else:
                whole = False
                amount = min(fraction or share_of(balance, share), balance)
            call = self.tokens[symbol].functions.retire(amount, ADDRESS[holder], "Machine", reason, "step")
            if amount < MINIMUM_RETIREMENT:
                # Dust: refused on-chain, nothing burned (the checks after the step see the same balances).
                counts["retire (dust, refused)"] += 1
                with pytest.raises(ContractCustomError) as refused:
                    bridge.transact(holder, call)
                assert BELOW_MINIMUM in str(refused.value), refused.value
                return
            counts[f"retire ({'whole' if whole else 'fractional'})"] += 1
            bridge.transact(holder, call)
            self.balances[(symbol, holder)] -= amount
            self.retired_wei[symbol] += amount

        @rule(index=PICK, share=SHARE)
        def redeem(self, index: int, share: int) -> None:
            if not self._holdings(TONNE):
                counts["redeem (nothing to do)"] += 1
                return
            symbol, holder = pick(self._holdings(TONNE), index)
            tonnes = share_of(self.balances[(symbol, holder)] // TONNE, share)
            account = f"ET-VCS-ACCOUNT-{holder}"
            counts["redeem to a registry account"] += 1
            receipt = bridge.transact(holder, self.tokens[symbol].functions.redeem(tonnes * TONNE, account))
            self.balances[(symbol, holder)] -= tonnes * TONNE
            tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
            self.redeemed[tx_hash] = (symbol, tonnes, account)

        # -- after every step -----------------------------------------------------------------

        @invariant()
        def bridge_agrees_with_chain_and_model(self) -> None:
            counts["checks"] += 1
            reserves = catch_up()
            for symbol in SYMBOL.values():
                self._learn_token(symbol)
            self._reserves_are_balanced(reserves)
            self._released_serials_are_those_redeemed()
            self._held_locks_never_overlap_and_are_the_models()
            self._every_lock_minted_exactly_once()
            self._locked_less_accrued_is_the_supply(reserves)
            self._balances_are_the_models()

        def _reserves_are_balanced(self, reserves: dict[str, Any]) -> None:
            for v in reserves["vintages"]:
                assert v["balanced"], v
                assert v["onchain_supply_wei"] == v["expected_supply_wei"], v
            assert reserves["balanced"], reserves

        def _released_serials_are_those_redeemed(self) -> None:
            for r in all_pages(bridge, "/redemptions"):
                if r["id"] in self.redemptions_seen:
                    continue
                self.redemptions_seen.add(r["id"])
                assert r["tx_hash"] in self.redeemed, f"a redemption nobody made: {r}"
                symbol, tonnes, account = self.redeemed.pop(r["tx_hash"])
                assert (r["tonnes"], r["registry_account"], r["amount_wei"]) == (
                    tonnes,
                    account,
                    str(tonnes * TONNE),
                )
                assert sum(s["quantity"] for s in r["serials"]) == tonnes, r
                for s in r["serials"]:
                    issuance = self._issuance(s["serial"])
                    assert SYMBOL[issuance] == symbol, r
                    released = units(s["block_start"], s["block_end"])
                    assert released <= self.held[issuance], f"released serials that were not held: {s}"
                    self.held[issuance] -= released
                    self.released[issuance] |= released
                # The operator moves them to the holder's registry account: only then are they free.
                confirmed = bridge.post(
                    f"/redemptions/{r['id']}/confirm", {"registry_reference": f"TX-{r['id']}"}
                )
                assert confirmed.status_code == 200, confirmed.text
            assert not self.redeemed, f"redemptions the listener has not applied: {self.redeemed}"

        def _held_locks_never_overlap_and_are_the_models(self) -> None:
            by_issuance: dict[str, list[tuple[int, int]]] = {n: [] for n in ISSUANCES}
            for lock in all_pages(bridge, "/locks"):
                assert lock["state"] in ("locked", "retired"), lock  # nothing pending once caught up
                assert lock["quantity"] == lock["block_end"] - lock["block_start"] + 1, lock
                by_issuance[self._issuance(lock["serial"])].append((lock["block_start"], lock["block_end"]))
            for issuance, ranges in by_issuance.items():
                for (a_start, a_end), (b_start, b_end) in itertools.combinations(ranges, 2):
                    assert a_end < b_start or b_end < a_start, (issuance, (a_start, a_end), (b_start, b_end))
                held = set().union(*(units(s, e) for s, e in ranges))
                assert held == self.held[issuance], (
                    issuance,
                    sorted(held - self.held[issuance])[:10],
                    sorted(self.held[issuance] - held)[:10],
                )

        def _every_lock_minted_exactly_once(self) -> None:
            minted = Counter()
            amounts: dict[str, tuple[str, str, int]] = {}
            for log in chain.factory.events.Tokenized().get_logs(from_block=deployed_at):
                lock_id = "0x" + bytes(log["args"]["lockId"]).hex()
                minted[lock_id] += 1
                amounts[lock_id] = (log["args"]["vintage"], log["args"]["to"], log["args"]["amount"])
            tokenizations = all_pages(bridge, "/tokenizations")
            for t in tokenizations:
                lock_id = bytes.fromhex(t["lock_id"][2:])
                on_chain = bytes(chain.factory.functions.lockOrder(lock_id).call())
                if t["status"] == "minted":
                    assert minted[t["lock_id"]] == 1, t
                    expected = (t["vintage"]["token_address"], t["beneficiary"], t["quantity"] * TONNE)
                    assert amounts[t["lock_id"]] == expected, t
                    # The lock is bound to exactly this order (the factory's record of it).
                    serial_hash = bytes.fromhex(t["serial_hash"][2:])
                    assert on_chain == order_hash(*expected, lock_id, serial_hash), t
                else:
                    assert t["status"] == "failed", t  # nothing pending once caught up
                    assert minted[t["lock_id"]] == 0 and on_chain == bytes(32), t
            orphans = set(minted) - {t["lock_id"] for t in tokenizations}
            assert not orphans, f"minted on-chain with no tokenization: {orphans}"

        def _locked_less_accrued_is_the_supply(self, reserves: dict[str, Any]) -> None:
            locked: Counter[int] = Counter()
            retired: Counter[int] = Counter()
            for lock in all_pages(bridge, "/locks"):
                (locked if lock["state"] == "locked" else retired)[lock["vintage_id"]] += lock["quantity"]
            tonnes_retired: Counter[int] = Counter()
            for r in all_pages(bridge, "/retirements"):
                tonnes_retired[r["vintage_id"]] += r["tonnes_retired"]
            for v in reserves["vintages"]:
                symbol, accrued = v["symbol"], int(v["accrued_retired_wei"])
                supply = self.tokens[symbol].functions.totalSupply().call()
                assert locked[v["vintage_id"]] * TONNE - accrued == supply, (
                    v,
                    locked[v["vintage_id"]],
                    supply,
                )
                assert v["locked_tonnes"] == locked[v["vintage_id"]] and v["pending_tonnes"] == 0, v
                # Fractions accrue per vintage until they make a whole tonne, which is then retired.
                assert (tonnes_retired[v["vintage_id"]], accrued) == divmod(
                    self.retired_wei[symbol], TONNE
                ), v
                assert retired[v["vintage_id"]] == tonnes_retired[v["vintage_id"]] == v["retired_tonnes"], v

        def _balances_are_the_models(self) -> None:
            for symbol, contract in self.tokens.items():
                for holder in HOLDERS:
                    held = contract.functions.balanceOf(ADDRESS[holder]).call()
                    assert held == self.balances[(symbol, holder)], (symbol, holder, held)
                assert contract.functions.balanceOf(gnt.address).call() == self.reserve[symbol], symbol
                in_wallets = sum(self.balances[(symbol, h)] for h in HOLDERS)
                assert contract.functions.totalSupply().call() == in_wallets + self.reserve[symbol], symbol
            for address in pool_accounts:
                assert gnt.functions.balanceOf(address).call() == self.pool_tokens[address], address

    run_state_machine_as_test(
        BridgeMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            # The bridge and the chain outlive an example, so a shorter replay does not start from
            # the same state: shrinking would report a flaky test instead of the failure itself.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        ),
    )
