"""Feed adapters: the live scoreboard (``live``), a recorded night (``replay``, read from a
file or the season archive), the parser into ``types``, and the choice of feed (``select``)."""
