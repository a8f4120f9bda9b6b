"""HTTP to the appliance: the session (login, tokens), the guard on state-changing calls, the
pace, the bounds on what an answer may hold, redaction and the exchange recording."""
