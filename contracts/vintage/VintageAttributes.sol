// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev The registry attributes of one project vintage, fixed when its token is created.
 *
 * Dates are calendar days written as `YYYYMMDD` (20160101): readable, comparable and cheap to store.
 * `labels` is a bit set (see {VintageLabels}); `category` and `sectoralScope` are small ids whose bit is
 * tested by pools (`1 << category`).
 */
struct VintageAttributes {
    uint8 registry;
    uint8 category;
    uint8 sectoralScope;
    uint16 labels;
    uint32 vintageStart;
    uint32 vintageEnd;
    bytes2 country;
    bytes32 projectId;
    bytes32 methodology;
}

/// @dev Bits of {VintageAttributes-labels}.
library VintageLabels {
    uint16 internal constant CORSIA_ELIGIBLE = 1 << 0;
    uint16 internal constant ICVCM_CCP = 1 << 1;
    uint16 internal constant SDG_CERTIFIED = 1 << 2;
    uint16 internal constant CCB_CERTIFIED = 1 << 3;
}

/**
 * @dev Packs {VintageAttributes} into the 96 bytes appended to each vintage token clone
 * ({Clones-cloneDeterministicWithImmutableArgs}), so a new vintage writes no storage for them.
 *
 * Layout: one word holding the small fields (from the most significant bits: registry 8, category 8,
 * sectoralScope 8, labels 16, vintageStart 32, vintageEnd 32, country 16), then projectId, then methodology.
 */
library VintageAttributesCodec {
    /// @dev The clone arguments are not 96 bytes long.
    error VintageAttributesMalformed(uint256 length);

    uint256 internal constant ENCODED_LENGTH = 96;

    function encode(VintageAttributes memory a) internal pure returns (bytes memory) {
        uint256 head = (uint256(a.registry) << 248) |
            (uint256(a.category) << 240) |
            (uint256(a.sectoralScope) << 232) |
            (uint256(a.labels) << 216) |
            (uint256(a.vintageStart) << 184) |
            (uint256(a.vintageEnd) << 152) |
            (uint256(uint16(a.country)) << 136);
        return abi.encode(head, a.projectId, a.methodology);
    }

    function decode(bytes memory encoded) internal pure returns (VintageAttributes memory a) {
        if (encoded.length != ENCODED_LENGTH) {
            revert VintageAttributesMalformed(encoded.length);
        }
        (uint256 head, bytes32 projectId, bytes32 methodology) = abi.decode(encoded, (uint256, bytes32, bytes32));
        a.registry = uint8(head >> 248);
        a.category = uint8(head >> 240);
        a.sectoralScope = uint8(head >> 232);
        a.labels = uint16(head >> 216);
        a.vintageStart = uint32(head >> 184);
        a.vintageEnd = uint32(head >> 152);
        a.country = bytes2(uint16(head >> 136));
        a.projectId = projectId;
        a.methodology = methodology;
    }
}
