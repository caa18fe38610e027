module example.com/configcheck

go 1.21

require gopkg.in/yaml.v2 v2.2.2
