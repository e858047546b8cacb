"""The policy-letter assistant: cited retrieval over Dutch government policy letters."""
__version__ = "0.1.0"
