"""The app's side of the demos: the catalogue, keyword matching, the event protocol, the runner.

* `catalogue` reads the one data file, `catalogue.toml` (the demo programs read it too);
* `matching` links a card's text to demos by the catalogue's keywords;
* `protocol` is the schema of the JSON-lines events, shared with the demo programs;
* `runner` starts a demo in its own process, follows its events and records the run.

Never imports keras, tensorflow or the `demos` programs: those run in their own process. The
demo programs import `catalogue` and `protocol`, which use the standard library only.
"""
