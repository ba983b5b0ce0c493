"""`make bench`: cost, latency, cold start and throughput of the helpdesk (see bench/run.py)."""
