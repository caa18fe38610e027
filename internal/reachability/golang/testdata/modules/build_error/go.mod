module example.com/builderror

go 1.22
