package tomllock

import "fmt"

// A lock's tables are decoded generically (map[string]any) and read field by
// field with these functions, so that a field of the wrong type is reported
// for its own package while the other packages still parse. Each returns the
// zero value and no error when the key is absent, and an error naming the
// key and the type found when the value has another type.

// String returns the string at key of t, or "" when it is absent.
func String(t map[string]any, key string) (string, error) {
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

// Bool returns the boolean at key of t, or false when it is absent.
func Bool(t map[string]any, key string) (bool, error) {
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

// Strings returns the array of strings at key of t, or nil when it is
// absent.
func Strings(t map[string]any, key string) ([]string, error) {
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

// Table returns the table at key of t, or nil when it is absent.
func Table(t map[string]any, key string) (map[string]any, error) {
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

// Tables returns the array of tables at key of t, or nil when it is absent.
func Tables(t map[string]any, key string) ([]map[string]any, error) {
	v, ok := t[key]
	if !ok {
		return nil, nil
	}
	switch arr := v.(type) {
	case []map[string]any:
		return arr, nil
	case []any:
		out := make([]map[string]any, 0, len(arr))
		for _, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%q holds %s, want only tables", key, describe(e))
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%q is %s, want an array of tables", key, describe(v))
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
