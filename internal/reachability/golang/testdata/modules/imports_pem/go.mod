module example.com/importspem

go 1.22
