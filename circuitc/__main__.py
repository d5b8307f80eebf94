from circuitc.cli import main

main()
