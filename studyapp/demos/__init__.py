"""The demo catalogue, keyword matching, the event protocol and the runner.

Never imports keras, tensorflow or the `demos` programs: those run in their own process.
"""
