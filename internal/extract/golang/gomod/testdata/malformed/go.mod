module example.com/malformed

go 1.21

require (
	github.com/pkg/errors v0.9.1
	github.com/google/uuid latest
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/pkg/errors v0.9.1
