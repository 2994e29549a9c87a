// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVintageFactory} from "./IVintageFactory.sol";

/**
 * @dev The factory's mint governor, packed so that a mint reads and writes one slot for the whole factory
 * and one per vintage (the slot it reads anyway to know the vintage is one of its own).
 *
 * Factory slot ({Governor}), low bits first:
 *
 *   | paused: 8 | minted: 48 | updatedAt: 40 | totalLimit: 48 | vintageLimit: 48 | window: 32 | vintageDelay: 32 |
 *
 * Vintage slot ({VintageState}):
 *
 *   | known: 8 | mintableAt: 40 | minted: 48 | updatedAt: 40 | (unused: 120) |
 *
 * Tonnes are whole tonnes (a uint48 holds 2.8e14 t, thousands of years of the world's emissions), times
 * are block timestamps. A window's count decays linearly to zero over `window` seconds, rounded up so
 * that many small mints cannot each round their count away.
 *
 * The arithmetic is unchecked where the layout bounds it (each case says why) and every mask is a literal,
 * folded at compile time: checked helpers had cost a mint about 1,500 gas (see `make bench`).
 *
 * The windows compare block timestamps on purpose (slither's `timestamp`, suppressed at each comparison):
 * a block producer can move a timestamp by seconds, which decays a window of hours by a negligible amount.
 */
library MintGovernor {
    type Governor is uint256;
    type VintageState is uint256;

    uint256 private constant _MASK_48 = (1 << 48) - 1;
    uint256 private constant _MASK_40 = (1 << 40) - 1;
    uint256 private constant _MASK_32 = (1 << 32) - 1;

    // Where each rolling window (a 48-bit count, then its 40-bit updatedAt) sits in its slot.
    uint256 private constant _TOTAL_WINDOW = 8;
    uint256 private constant _VINTAGE_WINDOW = 48;
    // Everything but the overall window; everything but the limits; the bits below the delay; the bits
    // below a vintage's window (its known flag and mintableAt).
    uint256 private constant _KEEP_ALL_BUT_TOTAL_WINDOW = (2 ** 256 - 1) ^ (((1 << 88) - 1) << 8);
    uint256 private constant _KEEP_ALL_BUT_LIMITS = (2 ** 256 - 1) ^ (((1 << 128) - 1) << 96);
    uint256 private constant _KEEP_BELOW_DELAY = (1 << 224) - 1;
    uint256 private constant _KEEP_BELOW_VINTAGE_WINDOW = (1 << 48) - 1;

    // -- the factory's slot --------------------------------------------------------------------------

    function paused(Governor g) internal pure returns (bool) {
        return Governor.unwrap(g) & 0xff != 0;
    }

    function withPaused(Governor g, bool value) internal pure returns (Governor) {
        return Governor.wrap((Governor.unwrap(g) & ~uint256(0xff)) | (value ? 1 : 0));
    }

    function totalLimit(Governor g) internal pure returns (uint256) {
        return (Governor.unwrap(g) >> 96) & _MASK_48;
    }

    function vintageLimit(Governor g) internal pure returns (uint256) {
        return (Governor.unwrap(g) >> 144) & _MASK_48;
    }

    function window(Governor g) internal pure returns (uint256) {
        return (Governor.unwrap(g) >> 192) & _MASK_32;
    }

    function vintageDelay(Governor g) internal pure returns (uint256) {
        return Governor.unwrap(g) >> 224;
    }

    /// @dev Tonnes counted in the overall window now.
    function totalMinted(Governor g) internal view returns (uint256) {
        return _decayed(Governor.unwrap(g) >> _TOTAL_WINDOW, window(g));
    }

    /// @dev The slot with `tonnes` more in the overall window, as of now; reverts above the overall limit.
    function countTotal(Governor g, uint256 tonnes) internal view returns (Governor) {
        uint256 word = Governor.unwrap(g);
        uint256 limit = totalLimit(g);
        uint256 before = _decayed(word >> _TOTAL_WINDOW, window(g));
        unchecked {
            // before < 2^48 and tonnes < 2^196 (a uint256 over 10^18): no overflow.
            uint256 counted = before + tonnes;
            // slither-disable-next-line timestamp
            if (counted > limit) {
                revert IVintageFactory.FactoryTotalMintLimitExceeded(tonnes, available(limit, before));
            }
            return Governor.wrap((word & _KEEP_ALL_BUT_TOTAL_WINDOW) | (_window(counted) << _TOTAL_WINDOW));
        }
    }

    function withLimits(
        Governor g,
        uint256 total,
        uint256 perVintage,
        uint256 window_
    ) internal pure returns (Governor) {
        uint256 kept = Governor.unwrap(g) & _KEEP_ALL_BUT_LIMITS;
        return Governor.wrap(kept | (total << 96) | (perVintage << 144) | (window_ << 192));
    }

    function withVintageDelay(Governor g, uint256 delay) internal pure returns (Governor) {
        return Governor.wrap((Governor.unwrap(g) & _KEEP_BELOW_DELAY) | (delay << 224));
    }

    // -- a vintage's slot ----------------------------------------------------------------------------

    /// @dev A known vintage, mintable from `mintableAt_`, with an empty window (`mintableAt_` < 2^40).
    function newVintage(uint256 mintableAt_) internal view returns (VintageState) {
        return VintageState.wrap(1 | (mintableAt_ << 8) | (_window(0) << _VINTAGE_WINDOW));
    }

    function known(VintageState s) internal pure returns (bool) {
        return VintageState.unwrap(s) & 0xff != 0;
    }

    function mintableAt(VintageState s) internal pure returns (uint256) {
        return (VintageState.unwrap(s) >> 8) & _MASK_40;
    }

    /// @dev Tonnes counted in this vintage's window now.
    function vintageMinted(VintageState s, uint256 window_) internal view returns (uint256) {
        return _decayed(VintageState.unwrap(s) >> _VINTAGE_WINDOW, window_);
    }

    /// @dev `s` with `tonnes` more in the window of `vintage`, as of now; reverts above the limit of `g`.
    function countVintage(
        VintageState s,
        Governor g,
        address vintage,
        uint256 tonnes
    ) internal view returns (VintageState) {
        uint256 word = VintageState.unwrap(s);
        uint256 limit = vintageLimit(g);
        uint256 before = _decayed(word >> _VINTAGE_WINDOW, window(g));
        unchecked {
            // before < 2^48 and tonnes < 2^196 (a uint256 over 10^18): no overflow.
            uint256 counted = before + tonnes;
            // slither-disable-next-line timestamp
            if (counted > limit) {
                revert IVintageFactory.FactoryVintageMintLimitExceeded(vintage, tonnes, available(limit, before));
            }
            return VintageState.wrap((word & _KEEP_BELOW_VINTAGE_WINDOW) | (_window(counted) << _VINTAGE_WINDOW));
        }
    }

    // -- arithmetic ----------------------------------------------------------------------------------

    /// @dev `limit - counted`, or zero once the window is full.
    function available(uint256 limit, uint256 counted) internal pure returns (uint256) {
        unchecked {
            // slither-disable-next-line timestamp
            return counted >= limit ? 0 : limit - counted;
        }
    }

    /// @dev A window holding `counted` tonnes as of now: the count, then the timestamp.
    function _window(uint256 counted) private view returns (uint256) {
        return counted | (block.timestamp << 48);
    }

    /// @dev What the window in the low 88 bits of `packed` counts now, decayed linearly over `window_`.
    function _decayed(uint256 packed, uint256 window_) private view returns (uint256) {
        unchecked {
            // updatedAt is a past block's timestamp, so no underflow.
            uint256 elapsed = block.timestamp - ((packed >> 48) & _MASK_40);
            // slither-disable-next-line timestamp
            if (elapsed >= window_) {
                return 0; // also a window of zero: no limits set yet
            }
            // count < 2^48 and window_ < 2^32: no overflow; window_ > elapsed, so it is not zero.
            return ((packed & _MASK_48) * (window_ - elapsed) + window_ - 1) / window_;
        }
    }
}
