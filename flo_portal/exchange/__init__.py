"""Sharing with partners: STIX 2.1 bundles over TAXII 2.1, both ways."""
