"""A token holder's page, in a real Chromium: read without a wallet, then connect the test wallet and
retire, transfer, use a pool and send credits back to a registry, checking the chain after each."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import expect

from bridge.units import TONNE
from tests.support.browser import FRIEND, HOLDER, InjectedWallet, open_page, screenshot, settled
from tests.support.payloads import REAL_SERIAL, tokenization
from tests.support.service import BridgeUnderTest, balance, bridge_and_wait

SYMBOL = "VCS-1340-2020"  # Bale Mountains REDD+ (forestry, 2020): GNT accepts it, RET does not


@pytest.fixture(scope="module")
def token(bridge: BridgeUnderTest) -> str:
    """425 real Verra tonnes bridged to the holder's wallet."""
    minted = bridge_and_wait(bridge, tokenization(REAL_SERIAL, beneficiary=HOLDER[0]))
    return str(minted["vintage"]["token_address"])


def connect(wallet: InjectedWallet, bridge: BridgeUnderTest) -> Any:
    page = wallet.page
    open_page(page, bridge)
    page.get_by_role("button", name="Connect wallet").first.click()
    expect(page.locator("header .address")).to_have_attribute("title", HOLDER[0])
    expect(page.locator("form#retire")).to_be_visible()
    settled(page)
    return page


def as_tonnes(wei: int) -> str:
    """Wei as the page writes tonnes: `414.49`, `2`."""
    whole, fraction = divmod(wei, TONNE)
    return f"{whole}.{fraction:018d}".rstrip("0").rstrip(".")


def holder_balance(wallet: InjectedWallet, symbol: str) -> Any:
    return wallet.page.locator(f'tr[data-token="{symbol}"] td.balance')


def test_the_service_serves_the_page_and_its_bundle_with_nothing_from_outside(
    page: Any, bridge: BridgeUnderTest, token: str
) -> None:
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    open_page(page, bridge)
    assert requests.get(bridge.url + "/static/build/app.js", timeout=10).ok
    # The page's own origin only: no CDN, no fonts, no analytics (reads without a wallet go to the API).
    assert hosts == {urlparse(bridge.url).netloc}


def test_without_a_wallet_the_catalogue_shows_each_vintage_and_its_token(
    page: Any, bridge: BridgeUnderTest, token: str
) -> None:
    open_page(page, bridge, "#/catalogue")
    row = page.locator(f'tr[data-vintage="{SYMBOL}"]')
    expect(row).to_contain_text("Bale Mountains Eco-region REDD+ project")
    expect(row).to_contain_text("2020-01-01 – 2020-12-31")
    expect(row).to_contain_text("ccb certified")
    expect(row.locator("td.mono span")).to_have_attribute("title", token)
    screenshot(page, "catalogue")


def test_without_a_wallet_each_pool_shows_its_criteria_and_holdings(
    page: Any, bridge: BridgeUnderTest, token: str
) -> None:
    open_page(page, bridge, "#/pools")
    expect(page.locator("section.pool")).to_have_count(5)
    gnt = page.locator('section[data-pool="GNT"]')
    expect(gnt.locator(".criteria")).to_have_text(
        "categories: forestry, land use, agriculture, blue carbon · vintages from 2012"
    )
    expect(page.locator('section[data-pool="CET"] .criteria')).to_have_text("labels: corsia eligible")
    screenshot(page, "pools")


def test_without_a_wallet_the_reserves_show_as_a_table_and_a_chart(
    page: Any, bridge: BridgeUnderTest, token: str
) -> None:
    open_page(page, bridge, "#/reserves")
    expect(page.locator("#reserves-status")).to_contain_text("Balanced at block")
    row = page.locator("tr", has_text=SYMBOL)
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^\d+$"))
    # One pair of bars per vintage: locked at the registry, and on-chain supply.
    expect(page.locator("svg.chart rect.locked")).to_have_count(2)  # one bar + the legend swatch
    expect(page.locator("svg.chart rect.supply")).to_have_count(2)
    screenshot(page, "reserves")


def test_the_wallet_connects_shows_its_balances_and_adds_a_token_to_the_wallet(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    held = balance(bridge, token, HOLDER[0])
    expect(holder_balance(wallet, SYMBOL)).to_have_text(as_tonnes(held))
    page.locator(f'tr[data-token="{SYMBOL}"]').get_by_role("button", name="Add to wallet").click()
    expect(page.get_by_role("button", name="Added ✓")).to_be_visible()
    assert wallet.watched() == [
        {"type": "ERC20", "options": {"address": token, "symbol": SYMBOL[:11], "decimals": 18}}
    ]
    screenshot(page, "wallet")


def test_retiring_from_the_page_burns_the_tokens_and_shows_the_certificate(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    before = balance(bridge, token, HOLDER[0])
    form = page.locator("form#retire")
    form.get_by_label("Vintage").select_option(token)
    form.get_by_label("Tonnes").fill("2.5")
    form.get_by_label("Beneficiary name").fill("Acme Coffee Roasters")
    form.get_by_label("Reason", exact=True).select_option(label="on behalf of organisation")
    form.get_by_label("Reason details").fill("2026 roastery emissions")
    form.get_by_role("button", name="Retire").click()

    certificate = page.locator("article.certificate")
    expect(certificate).to_contain_text("2.5 t CO2e retired")
    expect(certificate.locator(".beneficiary")).to_have_text("Acme Coffee Roasters")
    expect(certificate).to_contain_text("on behalf of organisation — 2026 roastery emissions")
    certificate_id = int(certificate.get_attribute("data-certificate") or 0)
    assert balance(bridge, token, HOLDER[0]) == before - 5 * TONNE // 2
    assert bridge.chain.certificate.functions.ownerOf(certificate_id).call() == HOLDER[0]
    screenshot(page, "certificate")

    # The listener records it: the whole 2 t go to the registry, the half tonne accrues.
    retirement = bridge.wait_for(
        "/retirements", lambda body: any(r["certificate_id"] == certificate_id for r in body["items"])
    )["items"][0]
    assert retirement["tonnes_retired"] == 2 and retirement["beneficiary_name"] == "Acme Coffee Roasters"
    page.goto(f"{bridge.url}/#/retirements")
    link = page.get_by_role("link", name=f"#{certificate_id}")
    expect(link).to_be_visible()
    screenshot(page, "retirements")
    link.click()
    expect(page.locator("article.certificate .registry")).to_contain_text("pending at the registry")


def test_a_certificate_reads_without_a_wallet(page: Any, bridge: BridgeUnderTest, token: str) -> None:
    retired = bridge.get("/retirements").json()["items"]
    if not retired:
        pytest.skip("needs the retirement of the test above")
    open_page(page, bridge, f"#/certificates/{retired[0]['certificate_id']}")
    expect(page.locator("article.certificate .beneficiary")).to_have_text(retired[0]["beneficiary_name"])


def test_transferring_from_the_page_moves_the_tokens(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    before = balance(bridge, token, FRIEND[0])
    form = page.locator("form#transfer")
    form.get_by_label("Token").select_option(token)
    form.get_by_label("Recipient").fill(FRIEND[0].lower())
    form.get_by_label("Tonnes").fill("1.5")
    form.get_by_role("button", name="Transfer").click()
    expect(form.locator("output")).to_contain_text("Sent 1.5 t to")
    assert balance(bridge, token, FRIEND[0]) == before + 3 * TONNE // 2


def test_depositing_into_a_pool_and_redeeming_the_oldest_vintage(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    gnt = bridge.chain.pools["GNT"]
    before = balance(bridge, token, HOLDER[0])
    form = page.locator("form#deposit")
    form.get_by_label("Vintage").select_option(token)
    form.get_by_label("Pool").select_option(gnt.address)
    form.get_by_label("Tonnes").fill("10")
    form.get_by_role("button", name="Deposit").click()
    expect(form.locator("output")).to_contain_text("Deposited 10 t.")
    assert gnt.functions.balanceOf(HOLDER[0]).call() == 10 * TONNE
    assert balance(bridge, token, HOLDER[0]) == before - 10 * TONNE
    expect(holder_balance(wallet, "GNT")).to_have_text("10")
    settled(page)

    redeem = page.locator("form#pool-redeem")
    redeem.get_by_label("Pool token").select_option(gnt.address)
    redeem.get_by_label("Vintage").select_option(label="oldest vintages first")
    redeem.get_by_label("Tonnes").fill("4")
    redeem.get_by_role("button", name="Redeem").click()
    expect(redeem.locator("output")).to_contain_text("Redeemed 4 pool tokens.")
    fee = 4 * TONNE * gnt.functions.feeBps().call() // 10_000
    assert gnt.functions.balanceOf(HOLDER[0]).call() == 6 * TONNE
    assert balance(bridge, token, HOLDER[0]) == before - 6 * TONNE - fee


def test_a_pool_that_refuses_the_vintage_says_why_before_anything_is_signed(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    form = page.locator("form#deposit")
    form.get_by_label("Vintage").select_option(token)
    form.get_by_label("Pool").select_option(bridge.chain.pools["RET"].address)
    form.get_by_label("Tonnes").fill("1")
    form.get_by_role("button", name="Deposit").click()
    expect(form.get_by_role("alert")).to_have_text("This pool does not accept that kind of project.")
    assert wallet.sent == []


def test_requesting_a_redemption_from_the_page_releases_serials_to_the_registry_account(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    before = balance(bridge, token, HOLDER[0])
    form = page.locator("form#redemption")
    form.get_by_label("Vintage").select_option(token)
    form.get_by_label("Whole tonnes").fill("3")
    form.get_by_label("Registry account").fill("VERRA-ACCT-4411")
    form.get_by_role("button", name="Request redemption").click()
    expect(form.locator("output")).to_contain_text("Requested 3 t back to registry account VERRA-ACCT-4411.")
    assert balance(bridge, token, HOLDER[0]) == before - 3 * TONNE
    redemption = bridge.wait_for(
        "/redemptions", lambda body: any(r["registry_account"] == "VERRA-ACCT-4411" for r in body["items"])
    )["items"][0]
    assert redemption["tonnes"] == 3 and sum(r["quantity"] for r in redemption["serials"]) == 3


def test_a_revert_is_shown_in_plain_words_and_nothing_is_sent(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    held = balance(bridge, token, HOLDER[0])
    form = page.locator("form#retire")
    form.get_by_label("Vintage").select_option(token)
    form.get_by_label("Tonnes").fill("100000")
    form.get_by_role("button", name="Retire").click()
    expect(form.get_by_role("alert")).to_have_text(
        f"Not enough tokens: this wallet holds {as_tonnes(held)} t and the action needs 100000 t."
    )
    assert wallet.sent == [] and balance(bridge, token, HOLDER[0]) == held


def test_a_rejection_in_the_wallet_is_shown_in_plain_words(
    wallet: InjectedWallet, bridge: BridgeUnderTest, token: str
) -> None:
    page = connect(wallet, bridge)
    held = balance(bridge, token, HOLDER[0])
    form = page.locator("form#transfer")
    form.get_by_label("Token").select_option(token)
    form.get_by_label("Recipient").fill(FRIEND[0])
    form.get_by_label("Tonnes").fill("1")
    wallet.reject_next()
    form.get_by_role("button", name="Transfer").click()
    expect(form.get_by_role("alert")).to_have_text(
        "You rejected the request in your wallet; nothing was sent."
    )
    assert balance(bridge, token, HOLDER[0]) == held


@pytest.mark.parametrize(
    ("form_id", "fields", "message"),
    [
        ("retire", {"Tonnes": "two"}, "Enter an amount in tonnes, like 2 or 0.5."),
        ("retire", {"Tonnes": "0"}, "Enter an amount above zero."),
        ("transfer", {"Recipient": "0x1234", "Tonnes": "1"}, "The recipient must be an address"),
        ("redemption", {"Whole tonnes": "1.5", "Registry account": "A-1"}, "in whole tonnes only"),
        ("redemption", {"Whole tonnes": "1", "Registry account": " "}, "Name the registry account"),
    ],
)
def test_bad_input_is_refused_on_the_page_before_the_wallet_is_asked(
    wallet: InjectedWallet,
    bridge: BridgeUnderTest,
    token: str,
    form_id: str,
    fields: dict[str, str],
    message: str,
) -> None:
    page = connect(wallet, bridge)
    form = page.locator(f"form#{form_id}")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.locator("button[type=submit]").click()
    expect(form.get_by_role("alert")).to_contain_text(message)
    assert wallet.sent == []
