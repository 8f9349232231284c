"""Reason codes for every planning decision and failure, with what a person can do."""

from __future__ import annotations

from typing import Final

NEAREST_LOCATION: Final = "nearest_location"
NEXT_NEAREST_LOCATION: Final = "next_nearest_location"
SPLIT_ACROSS_LOCATIONS: Final = "split_across_locations"
NO_COVERING_LOCATION: Final = "no_covering_location"
INSUFFICIENT_STOCK: Final = "insufficient_stock"
SHELF_LIFE: Final = "shelf_life"
UNKNOWN_SKU: Final = "unknown_sku"
MISSING_DELIVERY_INFO: Final = "missing_delivery_info"
GIFT_ADDED: Final = "gift_added"
GIFT_OUT_OF_STOCK: Final = "gift_out_of_stock"
GIFT_ORDER_NOT_ROUTED: Final = "gift_order_not_routed"

ROUTED: Final = frozenset({NEAREST_LOCATION, NEXT_NEAREST_LOCATION, SPLIT_ACROSS_LOCATIONS, GIFT_ADDED})

# code -> (what it means, what to do); docs/fulfillment.md lists the same table
REASONS: Final[dict[str, tuple[str, str]]] = {
    NEAREST_LOCATION: ("The whole order ships from the nearest covering location with stock.", "Nothing."),
    NEXT_NEAREST_LOCATION: (
        "The whole order ships from a farther covering location: nearer ones could not fill every line.",
        "Nothing; if it recurs, replenish the nearer location.",
    ),
    SPLIT_ACROSS_LOCATIONS: (
        "No single covering location could fill the whole order, so it ships in several parcels.",
        "Nothing; if it recurs, rebalance stock so one location holds the whole basket.",
    ),
    NO_COVERING_LOCATION: (
        "No location covers the delivery region with the order's ship method.",
        "Add location_coverage or a ship method to a location, or contact the customer to change delivery.",
    ),
    INSUFFICIENT_STOCK: (
        "Covering locations hold too few free units (successors included).",
        "Transfer stock in, wait for the inbound shown, or cancel / refund the line.",
    ),
    SHELF_LIFE: (
        "Enough units exist, but too few with the channel's minimum remaining shelf life.",
        "Release fresher lots (frozen / quality hold), receive a new lot, or agree an exception with the channel.",
    ),
    UNKNOWN_SKU: ("The SKU is not in the product master.", "Fix the order line's SKU or add the product."),
    MISSING_DELIVERY_INFO: (
        "The order has no delivery region or ship method.",
        "Complete the address / ship method in the OMS; the next run routes it.",
    ),
    GIFT_ADDED: ("A membership rule added a gift line; it ships with the order.", "Nothing."),
    GIFT_OUT_OF_STOCK: (
        "A membership rule earned a gift, but the order's shipping location has none free.",
        "Ship the gift later or choose another gift SKU in membership_rules.yml.",
    ),
    GIFT_ORDER_NOT_ROUTED: (
        "A membership rule earned a gift, but none of the order's lines could be routed.",
        "Resolve the order's own reason first; the gift follows.",
    ),
}
