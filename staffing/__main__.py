from staffing.cli import main

main()
