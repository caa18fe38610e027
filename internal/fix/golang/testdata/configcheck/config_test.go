package configcheck

import "testing"

func TestLoad(t *testing.T) {
	c, err := Load([]byte("name: api\nport: 8080\norigins: [a.example, b.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "api" || c.Port != 8080 || len(c.Origins) != 2 {
		t.Errorf("Load = %+v", c)
	}
	if _, err := Load([]byte("port: 0\n")); err == nil {
		t.Error("Load accepted a configuration without a name")
	}
}
