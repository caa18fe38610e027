module example.com/thirdparty

go 1.22

require gopkg.in/yaml.v2 v2.2.2

replace gopkg.in/yaml.v2 => ../../deps/yaml.v2
