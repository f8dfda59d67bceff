from burnrate.cli import main

main()
