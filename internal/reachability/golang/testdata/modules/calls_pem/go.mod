module example.com/callspem

go 1.22
