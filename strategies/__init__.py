"""Named hypothesis strategies: the space of requests and order flows the suite explores.

``strategies.orders`` holds the order space (instruments, prices on the tick grid, amounts on the
contract grid, BuySell params, otoco_config, whole flows). Prices and amounts are drawn in grid
units (ticks from the band centre, contracts) and turned into wire values by ``harness.band.PriceBand``
for the environment at hand, so one strategy serves every environment.
"""
