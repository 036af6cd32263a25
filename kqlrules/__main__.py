from kqlrules.cli.main import run

run()
