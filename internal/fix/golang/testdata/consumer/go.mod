module example.com/consumer

go 1.21

require (
	example.com/midlib v1.0.0
	example.com/vulnlib v1.0.0
)

require example.com/otherlib v1.0.0 // indirect
