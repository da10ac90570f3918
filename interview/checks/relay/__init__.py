"""Audio relay: lips and voice in time (`lipsync`), who speaks when and how soon answers follow
questions (`turns`), and the check that fuses them (`check`)."""
