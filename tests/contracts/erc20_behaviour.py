"""The ERC-20 behaviour every token of the project shares, written once (OpenZeppelin's
`shouldBehaveLikeERC20` idea): a test module subclasses `ERC20Behaviour` and provides an `erc20` fixture
(`Erc20Case`) whose holder owns `balance` of the token and nobody else used here owns any.

Covers EIP-20 (balances, transfer, approve, allowance, transferFrom, their events and return values),
OpenZeppelin 5's ERC-6093 custom errors, decimals and total supply, and EIP-2612 permit with the
domain the token itself reports (ERC-5267 `eip712Domain()`), so no token's domain name is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ape
import pytest

from tests.support.vintages import sign_permit

ZERO = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class Erc20Case:
    """One token under test: `holder` owns `balance` of it; `name` and `symbol` as deployed."""

    token: Any
    holder: Any
    balance: int
    name: str
    symbol: str
    decimals: int = 18
    permit: bool = True


def _signed_permit(chain, token, owner, spender, value: int, deadline: int, *, signer=None, nonce=None):
    """(v, r, s) of an EIP-2612 permit, in the EIP-712 domain `token` reports for itself."""
    _fields, name, version, chain_id, verifying_contract, _salt, _extensions = token.eip712Domain()
    assert chain_id == chain.chain_id and verifying_contract == token.address
    domain = {"name": name, "version": version}
    return sign_permit(
        chain, token, owner, spender, value, deadline, signer=signer, nonce=nonce, domain=domain
    )


class ERC20Behaviour:
    """Subclass in a `test_*.py` module (as `Test...`) and give it an `erc20` fixture."""

    # --- metadata and supply

    def test_metadata(self, erc20):
        assert erc20.token.name() == erc20.name
        assert erc20.token.symbol() == erc20.symbol
        assert erc20.token.decimals() == erc20.decimals

    def test_total_supply_counts_the_holders_balance(self, erc20, bob):
        assert erc20.token.balanceOf(erc20.holder) == erc20.balance
        assert erc20.token.balanceOf(bob) == 0
        assert erc20.token.totalSupply() >= erc20.balance

    # --- transfer

    def test_transfer_moves_the_amount_and_emits_transfer(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        supply = token.totalSupply()
        assert token.transfer.call(bob, 3, sender=holder) is True
        receipt = token.transfer(bob, 3, sender=holder)
        events = receipt.events.filter(token.Transfer)
        assert [(e["from"], e.to, e.value) for e in events] == [(holder.address, bob.address, 3)]
        assert token.balanceOf(holder) == erc20.balance - 3
        assert token.balanceOf(bob) == 3
        assert token.totalSupply() == supply

    def test_transfer_of_the_whole_balance(self, erc20, bob):
        erc20.token.transfer(bob, erc20.balance, sender=erc20.holder)
        assert erc20.token.balanceOf(erc20.holder) == 0
        assert erc20.token.balanceOf(bob) == erc20.balance

    def test_transfer_of_zero_emits_transfer(self, erc20, bob):
        receipt = erc20.token.transfer(bob, 0, sender=erc20.holder)
        assert receipt.events.filter(erc20.token.Transfer)[0].value == 0
        assert erc20.token.balanceOf(erc20.holder) == erc20.balance

    def test_transfer_to_oneself_keeps_the_balance(self, erc20):
        erc20.token.transfer(erc20.holder, 5, sender=erc20.holder)
        assert erc20.token.balanceOf(erc20.holder) == erc20.balance

    def test_transfer_above_the_balance_reverts(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        above = erc20.balance + 1
        with ape.reverts(
            token.ERC20InsufficientBalance, sender=holder.address, balance=erc20.balance, needed=above
        ):
            token.transfer(bob, above, sender=holder)
        with ape.reverts(token.ERC20InsufficientBalance, sender=bob.address, balance=0, needed=1):
            token.transfer(holder, 1, sender=bob)

    def test_transfer_to_the_zero_address_reverts(self, erc20):
        with ape.reverts(erc20.token.ERC20InvalidReceiver, receiver=ZERO):
            erc20.token.transfer(ZERO, 1, sender=erc20.holder)

    # --- approve and allowance

    def test_approve_sets_the_allowance_and_emits_approval(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        assert token.allowance(holder, bob) == 0
        assert token.approve.call(bob, 7, sender=holder) is True
        receipt = token.approve(bob, 7, sender=holder)
        event = receipt.events.filter(token.Approval)[0]
        assert (event.owner, event.spender, event.value) == (holder.address, bob.address, 7)
        assert token.allowance(holder, bob) == 7
        token.approve(bob, 2, sender=holder)  # replaces, never adds
        assert token.allowance(holder, bob) == 2

    def test_approve_above_the_balance_is_allowed(self, erc20, bob):
        erc20.token.approve(bob, erc20.balance * 10, sender=erc20.holder)
        assert erc20.token.allowance(erc20.holder, bob) == erc20.balance * 10

    def test_approve_of_the_zero_address_reverts(self, erc20):
        with ape.reverts(erc20.token.ERC20InvalidSpender, spender=ZERO):
            erc20.token.approve(ZERO, 1, sender=erc20.holder)

    # --- transferFrom

    def test_transfer_from_spends_the_allowance(self, erc20, bob, stranger):
        token, holder = erc20.token, erc20.holder
        token.approve(bob, 10, sender=holder)
        assert token.transferFrom.call(holder, stranger, 4, sender=bob) is True
        receipt = token.transferFrom(holder, stranger, 4, sender=bob)
        events = receipt.events.filter(token.Transfer)
        assert [(e["from"], e.to, e.value) for e in events] == [(holder.address, stranger.address, 4)]
        assert token.allowance(holder, bob) == 6
        assert token.balanceOf(stranger) == 4
        assert token.balanceOf(holder) == erc20.balance - 4

    def test_transfer_from_with_an_unlimited_allowance_leaves_it_unlimited(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        token.approve(bob, MAX_UINT256, sender=holder)
        token.transferFrom(holder, bob, 4, sender=bob)
        assert token.allowance(holder, bob) == MAX_UINT256

    def test_transfer_from_above_the_allowance_reverts(self, erc20, bob, stranger):
        token, holder = erc20.token, erc20.holder
        token.approve(bob, 3, sender=holder)
        with ape.reverts(token.ERC20InsufficientAllowance, spender=bob.address, allowance=3, needed=4):
            token.transferFrom(holder, stranger, 4, sender=bob)
        with ape.reverts(token.ERC20InsufficientAllowance, spender=stranger.address, allowance=0, needed=1):
            token.transferFrom(holder, stranger, 1, sender=stranger)

    def test_transfer_from_above_the_balance_reverts(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        token.approve(bob, MAX_UINT256, sender=holder)
        above = erc20.balance + 1
        with ape.reverts(
            token.ERC20InsufficientBalance, sender=holder.address, balance=erc20.balance, needed=above
        ):
            token.transferFrom(holder, bob, above, sender=bob)

    def test_transfer_from_to_the_zero_address_reverts(self, erc20, bob):
        token, holder = erc20.token, erc20.holder
        token.approve(bob, 1, sender=holder)
        with ape.reverts(token.ERC20InvalidReceiver, receiver=ZERO):
            token.transferFrom(holder, ZERO, 1, sender=bob)

    # --- EIP-2612 permit

    def test_permit_sets_the_allowance_and_uses_the_nonce(self, erc20, chain, bob, stranger):
        if not erc20.permit:
            pytest.skip(f"{erc20.symbol} has no permit")
        token, holder = erc20.token, erc20.holder
        deadline = chain.pending_timestamp + 3600
        nonce = token.nonces(holder)
        v, r, s = _signed_permit(chain, token, holder, bob, 9, deadline)
        receipt = token.permit(holder, bob, 9, deadline, v, r, s, sender=stranger)  # anyone may submit it
        event = receipt.events.filter(token.Approval)[0]
        assert (event.owner, event.spender, event.value) == (holder.address, bob.address, 9)
        assert token.allowance(holder, bob) == 9
        assert token.nonces(holder) == nonce + 1
        with ape.reverts(token.ERC2612InvalidSigner):  # the same signature, replayed
            token.permit(holder, bob, 9, deadline, v, r, s, sender=stranger)

    def test_permit_refuses_an_expired_or_foreign_signature(self, erc20, chain, bob):
        if not erc20.permit:
            pytest.skip(f"{erc20.symbol} has no permit")
        token, holder = erc20.token, erc20.holder
        expired = chain.pending_timestamp - 1
        v, r, s = _signed_permit(chain, token, holder, bob, 9, expired)
        with ape.reverts(token.ERC2612ExpiredSignature, deadline=expired):
            token.permit(holder, bob, 9, expired, v, r, s, sender=bob)
        deadline = chain.pending_timestamp + 3600
        v, r, s = _signed_permit(chain, token, holder, bob, 9, deadline, signer=bob)
        with ape.reverts(token.ERC2612InvalidSigner, owner=holder.address):
            token.permit(holder, bob, 9, deadline, v, r, s, sender=bob)
        v, r, s = _signed_permit(chain, token, holder, bob, 9, deadline)
        with ape.reverts(token.ERC2612InvalidSigner):  # signed for 9, submitted for 10
            token.permit(holder, bob, 10, deadline, v, r, s, sender=bob)
        assert token.allowance(holder, bob) == 0
