"""Calibration from the appliance itself: `drift` compares the API description it serves
with the contract; `learn` records its answers and writes an Overlay that adapts the
contract to them."""
