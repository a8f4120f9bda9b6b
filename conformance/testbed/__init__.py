"""``certify-client``: the emulator as a test bed for an integration of SCV.

An integration's own command runs once per cell of a matrix of releases and conditions
(``matrix``), each time against a fresh emulator playing that release under that condition
with the proxy in front (``front``); a cell passes when the command exits 0 and its traffic
conformed (``cell``). ``integration`` runs the command, ``traffic`` reads the proxy's
verdict, ``report`` writes each cell's reports and the whole's, ``certificate`` seals them
with ``certify``'s MANIFEST and signature (``command``).
"""
