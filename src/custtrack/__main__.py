from custtrack.cli import main

main()
