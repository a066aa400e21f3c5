from bakegen.cli import run

run()
