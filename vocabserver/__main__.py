from vocabserver.cli import main

main()
