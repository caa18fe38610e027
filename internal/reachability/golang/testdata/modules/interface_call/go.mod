module example.com/interfacecall

go 1.22
