"""`python -m studyapp` is the `studyapp` command."""

from studyapp.cli import main

main()
