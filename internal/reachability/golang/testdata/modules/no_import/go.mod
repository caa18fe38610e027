module example.com/noimport

go 1.22
