"""Tools around the suite, not part of it: the benchmarks (``pulse-bench``), the mutation campaign
(``pulse-mutation``) and the HTML report renderer (``pulse-report``).

harness/ is the suite's wire harness and never imports the reference gateway (tests/test_harness_layering.py);
tools/ may: the engine benchmark measures the gateway in-process. The campaign still runs the gateway as a
subprocess and lists its catalogue through its CLI.
"""
