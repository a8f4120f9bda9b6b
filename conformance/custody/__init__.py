"""What a destructive run holds of the appliance: the state it found, what it owns, what it
must put back.

Everything here is derived from the contract (which listings hold what the state-changing
operations work on, what identifies an item, which operation creates and which removes
one), so an operation added to the contract is covered without a list kept by hand.
"""
