from casecode.cli import main

main()
