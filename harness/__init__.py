"""Shared test harness for the Pulse conformance suite."""
