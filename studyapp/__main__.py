"""`python -m studyapp` is the `studyapp` command."""

from studyapp.cli.app import main

main()
