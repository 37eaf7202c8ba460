"""One module per screen, each with its `.tcss` stylesheet next to it."""
