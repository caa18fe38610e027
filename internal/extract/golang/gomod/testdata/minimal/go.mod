module example.com/minimal

go 1.21

require golang.org/x/text v0.14.0
