package poetrylock

import "fmt"

// The lock's tables are decoded generically and read field by field, so that
// a field of the wrong type is reported for its own package (at the line of
// its header) while the other packages still parse.

// str returns the string at key, or "" when it is absent.
func str(t map[string]any, key string) (string, error) {
	v, ok := t[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%q is %s, want a string", key, describe(v))
	}
	return s, nil
}

// boolean returns the boolean at key, or false when it is absent.
func boolean(t map[string]any, key string) (bool, error) {
	v, ok := t[key]
	if !ok {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%q is %s, want true or false", key, describe(v))
	}
	return b, nil
}

// strs returns the array of strings at key, or nil when it is absent.
func strs(t map[string]any, key string) ([]string, error) {
	v, ok := t[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%q is %s, want an array of strings", key, describe(v))
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%q holds %s, want only strings", key, describe(e))
		}
		out = append(out, s)
	}
	return out, nil
}

// table returns the table at key, or nil when it is absent.
func table(t map[string]any, key string) (map[string]any, error) {
	v, ok := t[key]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q is %s, want a table", key, describe(v))
	}
	return m, nil
}

// describe names the TOML type of a decoded value.
func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}
