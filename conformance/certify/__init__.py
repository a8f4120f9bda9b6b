"""Certification bundles: a full run's reports, a certificate, a MANIFEST and a signature.

``manifest`` hashes and checks every file of a bundle, ``signing`` makes keys and signs
and verifies the MANIFEST (Ed25519), ``identity`` says who the appliance said it was,
``certificate`` writes certificate.json, ``command`` is `scv-conformance certify`.
"""
