#!/usr/bin/env python3
"""tests/emulator/start with a deeper listen backlog, for bench/run.

Python's socketserver listens with a backlog of 5 (TCPServer.request_queue_size).
When berth opens more than 5 connections at once (--parallelism 10), the
kernel drops the extra SYNs and the client retransmits after the initial
1 s RTO: those calls take ~1,050 ms instead of 50. AWS's endpoints do not do
that, so the benchmark listens with a backlog of 128 to measure berth, not
the emulator's accept queue. Everything else is the emulator unchanged."""
import os
import runpy
import socketserver
import sys

socketserver.TCPServer.request_queue_size = 128
START = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
                     "tests", "emulator", "start")
sys.argv[0] = START
runpy.run_path(START, run_name="__main__")
