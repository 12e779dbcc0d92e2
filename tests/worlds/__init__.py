"""The worlds the tests stand in, and the helpers that act in them and read them back.

Nothing here is a test. A test module builds its world with these (or takes it as a fixture from
a `conftest.py`, which builds it with these), and keeps only its tests and what they alone use:

* `picking`: a distributor with a signed WMS and ERP, orders released to pick (`World`);
* `shipping`: those orders tendered, shipped and invoiced; the ERP that takes the invoices;
* `tendering`: an order picked in full and the TMS it is tendered to;
* `waves`: a distributor with customers of each priority, orders placed for a wave (`App`);
* `cancellation`: what a cancel or an amendment gives back, read from the store;
* `worker`: orders placed, a worker run until something is done, the events written;
* `journey`: a whole order journey for reconciliation, and ways to break it;
* `relay`: a store wired to a transport (`Wired`), for the relay and inbox tests;
* `served`: the console script served on a free port, for the end-to-end tests.
"""
