"""The four families of checks, one folder each (liveness, identity, deepfake, relay), on the contract
of `base`; `registry` lists the ones a session runs."""
