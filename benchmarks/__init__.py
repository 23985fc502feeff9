"""Benchmarks of exoinventory: `make bench` (python -m benchmarks).

Performance is reported as ratios measured side by side in one run, never
as absolute thresholds: seconds depend on the machine, ratios much less.
docs/benchmarks.md holds the last results and how to read them.

Everything runs against a database of its own (exoinventory_bench by
default, created if missing) whose numbers tables are emptied between
cases, and a simulator on loopback: nothing leaves the machine.
"""
