"""The simulator: everything that stands in for the world around Shipshape, kept out of
production code. `sample` makes up a distributor and its days of orders, `systems` plays the ERP,
WMS, TMS and finance in-process, `scenarios` drives the demo through them. Only the composition
root (`shipshape.bootstrap`, which builds simulated systems when asked to) and the command line
import it.
"""
