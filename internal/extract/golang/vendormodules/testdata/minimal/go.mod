module example.com/app

go 1.22

require (
	example.com/direct v1.2.3
	example.com/local v0.0.0-00010101000000-000000000000
	example.com/old v1.0.0
	example.com/toolonly v0.1.0
)

require example.com/indirect v0.4.0 // indirect

replace example.com/old v1.0.0 => example.com/new v1.1.0

replace example.com/local => ./local

replace example.com/unused v1.0.0 => example.com/fork v1.0.1

replace example.com/wild => example.com/wildfork v1.5.0
