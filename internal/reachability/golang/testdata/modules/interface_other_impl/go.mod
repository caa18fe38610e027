module example.com/interfaceotherimpl

go 1.22
